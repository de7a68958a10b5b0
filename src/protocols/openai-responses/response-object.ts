import type { CanonicalRequest } from "../../canonical/types";
import { encodeResponsesToolChoice, encodeResponsesTools } from "./encode-tools";
import type { ResponsesItem, ResponsesResponse, ResponsesUsage } from "./wire-types";

export interface ResponseObjectState {
  id: string;
  createdAt: number;
  status: "queued" | "in_progress" | "completed" | "incomplete" | "failed" | "cancelled";
  model: string;
  output: ResponsesItem[];
  usage: ResponsesUsage | null;
  error?: { code: string; message: string } | null;
  incompleteDetails?: { reason: string } | null;
  /** The tier the upstream says served the answer, when it said (canonical `serviceTier`). */
  serviceTier?: string;
}

/**
 * The Responses `response` object (R10, SR01, SR10): the same shape for the non-streaming
 * body and inside `response.created` / `response.completed` / ... events, with the
 * client's settings echoed when the caller passed the decoded request: tools and tool_choice
 * as the client sent them (an `allowed_tools` choice and every declared tool, not the narrowed
 * list the upstream got), as OpenAI echoes them.
 */
export function buildResponseObject(state: ResponseObjectState, request: CanonicalRequest | undefined): ResponsesResponse {
  return {
    id: state.id,
    object: "response",
    created_at: state.createdAt,
    status: state.status,
    error: state.error ?? null,
    incomplete_details: state.incompleteDetails ?? null,
    model: state.model,
    output: state.output,
    usage: state.usage,
    ...echoRequestSettings(request),
    // As OpenAI reports it: the tier that served the answer; else the one asked for; else its default.
    ...(request || state.serviceTier ? { service_tier: state.serviceTier ?? request?.serviceTier ?? "default" } : {}),
  };
}

function echoRequestSettings(request: CanonicalRequest | undefined): Record<string, unknown> {
  if (!request) return {};
  const extra = request.extra.protocol === "openai-responses" ? request.extra.fields : {};
  const format = request.responseFormat;
  const textFormat =
    !format || format.type === "text"
      ? { type: "text" }
      : format.type === "json_object"
        ? { type: "json_object" }
        : {
            type: "json_schema",
            name: format.name ?? "response",
            ...(format.description !== undefined ? { description: format.description } : {}),
            schema: format.schema,
            strict: format.strict ?? false,
          };
  const ignoreWarnings = (): void => {};
  return {
    // The client's own `instructions`, as OpenAI echoes them (leading system items are not instructions).
    instructions: typeof extra.instructions === "string" ? extra.instructions : null,
    max_output_tokens: request.maxTokens ?? null,
    parallel_tool_calls: request.parallelToolCalls ?? true,
    previous_response_id: request.previousResponseId ?? null,
    // Effort `none` is decoded as reasoning off, without an effort; the client sent "none".
    reasoning: { effort: request.reasoning?.effort ?? (request.reasoning?.enabled === false ? "none" : null), summary: request.reasoning?.summary ?? null },
    store: request.store ?? true,
    temperature: request.temperature ?? null,
    text: { ...(isPlainObject(extra.text) ? extra.text : {}), format: textFormat },
    tool_choice: extra.tool_choice ?? encodeResponsesToolChoice(request.toolChoice, request.tools) ?? "auto",
    tools: Array.isArray(extra.tools) ? extra.tools.map(echoTool) : encodeResponsesTools(request.tools, ignoreWarnings),
    top_p: request.topP ?? null,
    // Not enforced on translated upstreams (Chat and Anthropic have no such cap); echoed as sent.
    max_tool_calls: typeof extra.max_tool_calls === "number" ? extra.max_tool_calls : null,
    // The client's alternatives per token (P09), echoed when it sent them.
    ...(typeof extra.top_logprobs === "number" ? { top_logprobs: extra.top_logprobs } : {}),
    truncation: typeof extra.truncation === "string" ? extra.truncation : "disabled",
    user: typeof extra.user === "string" ? extra.user : null,
    safety_identifier: typeof extra.safety_identifier === "string" ? extra.safety_identifier : null,
    prompt_cache_key: typeof extra.prompt_cache_key === "string" ? extra.prompt_cache_key : null,
    // The gateway runs `background: true` requests itself (src/proxy/background.ts).
    background: extra.background === true,
    metadata: isPlainObject(extra.metadata) ? extra.metadata : {},
  };
}

/**
 * A tool as the client declared it. A function tool without `strict` says `false`: a translated
 * upstream gets it without strict mode (Anthropic and Chat have no strict-by-default), so
 * echoing OpenAI's default `true` would claim a guarantee nobody gave.
 */
function echoTool(tool: unknown): unknown {
  if (!isPlainObject(tool) || tool.type !== "function" || typeof tool.strict === "boolean") return tool;
  return { ...tool, strict: false };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
