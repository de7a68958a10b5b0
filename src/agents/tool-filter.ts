import type { BuiltinTool, CanonicalRequest, FunctionTool, Protocol, Tool } from "../canonical/types";
import { encodeFlatLocation, readApproximateLocation } from "../protocols/web-search-location";
import { anthropicClientToolAsFunction } from "./anthropic-client-tools";
import { computerToolVersion } from "./computer-use-tool";

/**
 * Tool filtering where a target provably cannot use a tool (upstream-tokligence §1.19,
 * done properly). Unlike the original, nothing is removed because "models misuse it"
 * (apply_patch and update_plan are translated, S10), and the client's system prompt is
 * never rewritten. First built-ins are mapped where the upstream has an equivalent
 * (`mapBuiltinTools`); then removed are only:
 * - provider built-ins of another protocol that the upstream protocol has no mapping for
 *   (S09, S12), so the request does not fail with an unknown tool type;
 * - tools the caller lists in `deny`.
 * A tool_choice naming a removed tool is relaxed to `auto`, and dropped with the last tool (R04).
 */
export interface ToolFilterOptions {
  upstreamProtocol: Protocol;
  /** Tool names this target must not get. */
  deny?: string[];
}

export interface ToolFilterResult {
  request: CanonicalRequest;
  removed: string[];
}

/** Built-ins the upstream's encoder can send: its own, and web search from Anthropic to Responses (S09). */
function isUsableBuiltin(tool: BuiltinTool, upstream: Protocol): boolean {
  if (tool.protocol === upstream) return true;
  return upstream === "openai-responses" && tool.protocol === "anthropic" && tool.type.startsWith("web_search");
}

export function filterUnusableTools(request: CanonicalRequest, options: ToolFilterOptions): ToolFilterResult {
  const deny = new Set(options.deny ?? []);
  const removed: string[] = [];
  const tools = request.tools.filter((tool) => {
    const keep = tool.kind === "builtin" ? isUsableBuiltin(tool, options.upstreamProtocol) : !deny.has(tool.name);
    if (!keep) removed.push(tool.kind === "builtin" ? tool.type : tool.name);
    return keep;
  });
  if (removed.length === 0) return { request, removed };
  const result: CanonicalRequest = { ...request, tools };
  const choice = request.toolChoice;
  if (tools.length === 0) {
    delete result.toolChoice;
    delete result.parallelToolCalls;
  } else if (choice?.type === "tool" && !tools.some((tool) => nameOf(tool) === choice.name)) {
    result.toolChoice = { type: "auto" };
  }
  return { request: result, removed };
}

/** The name a tool_choice names a tool by: an Anthropic server tool has one too (`web_search`, S09). */
function nameOf(tool: Tool): string | undefined {
  if (tool.kind !== "builtin") return tool.name;
  return typeof tool.value.name === "string" ? tool.value.name : undefined;
}

export interface BuiltinMappingOptions {
  upstreamProtocol: Protocol;
  /** Responses `web_search` → Anthropic `web_search_20250305` (server-side search). */
  webSearchToAnthropic: boolean;
  /** Responses `local_shell` → a function tool of the same name for non-Responses upstreams. */
  localShellAsFunction: boolean;
}

export interface BuiltinMappingResult {
  request: CanonicalRequest;
  /** `from → to` descriptions, for the log. */
  mapped: string[];
  /** Built-ins left unmapped on purpose, with the reason (the filter then drops them). */
  skipped: Array<{ type: string; reason: string }>;
  /** Built-ins of a version this gateway does not know, mapped with the schema of a known one (`as`). */
  approximated: Array<{ type: string; as: string }>;
}

/** The name Codex's `local_shell` tool gets as a function tool; its calls return as `local_shell_call` items. */
export const LOCAL_SHELL_TOOL_NAME = "local_shell";

/**
 * The function a `local_shell` built-in becomes: its arguments are exactly a
 * `local_shell_call` action (`exec`), so history and new calls share one shape.
 */
export const localShellFunctionTool: FunctionTool = {
  kind: "function",
  name: LOCAL_SHELL_TOOL_NAME,
  description: "Runs a command on the user's machine and returns its output. `command` is an argv array executed without a shell; use [\"bash\", \"-lc\", \"<script>\"] for shell syntax.",
  parameters: {
    type: "object",
    properties: {
      command: { type: "array", items: { type: "string" }, description: "The program and its arguments." },
      working_directory: { type: "string", description: "Directory to run the command in." },
      timeout_ms: { type: "integer", description: "Timeout in milliseconds." },
      env: { type: "object", additionalProperties: { type: "string" }, description: "Extra environment variables." },
    },
    required: ["command"],
  },
};

/**
 * Maps Responses built-ins to what a non-Responses upstream can run (S12): web search to
 * Anthropic's server tool, and `local_shell` to a function tool (the client encoder turns
 * its calls back into `local_shell_call` items). A web search the client limited to cached
 * results (`external_web_access: false`, Codex's default) is not turned into live search.
 * Anthropic's client-run tools (bash, text editor, memory, computer use) become function tools of the same
 * name for OpenAI upstreams (anthropic-client-tools.ts, S09).
 */
export function mapBuiltinTools(request: CanonicalRequest, options: BuiltinMappingOptions): BuiltinMappingResult {
  const mapped: string[] = [];
  const skipped: BuiltinMappingResult["skipped"] = [];
  const approximated: BuiltinMappingResult["approximated"] = [];
  const names = new Set(request.tools.filter((tool) => tool.kind !== "builtin").map((tool) => (tool as { name: string }).name));
  const tools = request.tools.map((tool): Tool => {
    if (tool.kind === "builtin" && tool.protocol === "anthropic" && options.upstreamProtocol !== "anthropic") {
      const fn = anthropicClientToolAsFunction(tool);
      if (!fn || names.has(fn.name)) return tool;
      mapped.push(`${tool.type} → function ${fn.name}`);
      const known = computerToolVersion(tool.type);
      if (known && known !== tool.type) approximated.push({ type: tool.type, as: known });
      return fn;
    }
    if (options.upstreamProtocol === "openai-responses") return tool;
    if (tool.kind !== "builtin" || tool.protocol !== "openai-responses") return tool;
    if (tool.type === "local_shell" && options.localShellAsFunction && !names.has(LOCAL_SHELL_TOOL_NAME)) {
      mapped.push("local_shell → function local_shell");
      return localShellFunctionTool;
    }
    if (tool.type.startsWith("web_search") && options.upstreamProtocol === "anthropic" && options.webSearchToAnthropic) {
      if (tool.value.external_web_access === false) {
        skipped.push({ type: tool.type, reason: "the client allows cached web search only (external_web_access: false); Anthropic's web search is live" });
        return tool;
      }
      mapped.push(`${tool.type} → web_search_20250305`);
      return { kind: "builtin", protocol: "anthropic", type: "web_search_20250305", value: anthropicWebSearch(tool.value) };
    }
    return tool;
  });
  if (mapped.length === 0) return { request, mapped, skipped, approximated };
  return { request: { ...request, tools }, mapped, skipped, approximated };
}

/** Responses web_search options → Anthropic's: allowed domains and the approximate user location carry over. */
function anthropicWebSearch(value: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { type: "web_search_20250305", name: "web_search" };
  const filters = value.filters as Record<string, unknown> | undefined;
  if (filters && Array.isArray(filters.allowed_domains) && filters.allowed_domains.length > 0) result.allowed_domains = filters.allowed_domains;
  const location = readApproximateLocation(value.user_location);
  if (location) result.user_location = encodeFlatLocation(location);
  return result;
}
