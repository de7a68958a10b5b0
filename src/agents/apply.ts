import type { CanonicalEvent, CanonicalRequest, CanonicalResponse, ContentPart } from "../canonical/types";
import type { AgentsConfig } from "../config/types";
import type { TranslationContext } from "../translate/types";
import { normalizeShellCall, type ShellCommandShape, shellShapeFromSchema } from "./shell-command";
import { filterUnusableTools, mapBuiltinTools } from "./tool-filter";
import { detectToolLoop, guardToolLoop, toolLoopError } from "./tool-loop";

/**
 * The agent helpers wired into the request path (README "Agent helpers"). Translated
 * requests pass through `prepareRequest` between the client decoder and the upstream
 * encoder, and their answers through `adjustResponse` / `createEventAdjuster` between the
 * upstream decoder and the client encoder (src/translate/compose.ts). Native passthrough
 * only gets the loop guard (src/agents/native-guard.ts): its body is never re-encoded.
 */
export interface AgentHelpers {
  readonly config: AgentsConfig;
  /** Loop guard (may throw `tool_loop_detected`), built-in tool mapping and filtering. */
  prepareRequest(request: CanonicalRequest, ctx: TranslationContext): CanonicalRequest;
  /** A non-streaming answer before the client encoder sees it. */
  adjustResponse(response: CanonicalResponse, ctx: TranslationContext): CanonicalResponse;
  /** Per stream: canonical events in, canonical events out (undefined when nothing needs adjusting). */
  createEventAdjuster(ctx: TranslationContext): ((event: CanonicalEvent) => CanonicalEvent[]) | undefined;
}

/** Helpers depend on the (frozen) configuration only: one set per configuration, not per request. */
const helpersByConfig = new WeakMap<AgentsConfig, AgentHelpers>();

export function agentHelpersFor(config: AgentsConfig): AgentHelpers {
  let helpers = helpersByConfig.get(config);
  if (!helpers) helpersByConfig.set(config, (helpers = createAgentHelpers(config)));
  return helpers;
}

export function createAgentHelpers(config: AgentsConfig): AgentHelpers {
  return {
    config,
    prepareRequest: (request, ctx) => prepareRequest(request, ctx, config),
    adjustResponse: (response, ctx) => adjustResponse(response, ctx, config),
    createEventAdjuster: (ctx) => createEventAdjuster(ctx, config),
  };
}

function prepareRequest(request: CanonicalRequest, ctx: TranslationContext, config: AgentsConfig): CanonicalRequest {
  let result = request;
  if (config.toolLoop.enabled) {
    const verdict = detectToolLoop(request.messages, config.toolLoop);
    if (verdict.action === "stop") {
      ctx.warn("tool loop stopped", { tool: verdict.toolName, repeats: verdict.repeats });
      throw toolLoopError(verdict);
    }
    if (verdict.action === "warn") {
      ctx.warn("tool loop: the model gets a notice", { tool: verdict.toolName, repeats: verdict.repeats });
      result = guardToolLoop(result, config.toolLoop);
    }
  }
  if (result.tools.length === 0) return result;
  const mapping = mapBuiltinTools(result, {
    upstreamProtocol: ctx.upstreamProtocol,
    webSearchToAnthropic: config.webSearchToAnthropic,
    localShellAsFunction: config.localShellAsFunction,
  });
  // Codex sends web_search and tool_search on every request of a session: a warning each time
  // would bury the log. A successful mapping is routine (debug); a drop or a skipped mapping is
  // worth one warning per provider and model (`notice`), then debug.
  const routine = ctx.debug ?? ctx.warn;
  const once = ctx.notice ?? ctx.warn;
  for (const entry of mapping.mapped) routine("mapped a built-in tool for the upstream", { mapping: entry, upstream: ctx.upstreamProtocol });
  for (const entry of mapping.skipped) once("did not map a built-in tool", { type: entry.type, reason: entry.reason });
  // A newer tool version than this gateway knows: mapped with a known version's schema, so the
  // model may lack actions the client offers; worth one warning, like a drop.
  for (const entry of mapping.approximated) once("mapped a built-in tool of an unknown version with the newest known schema", { type: entry.type, as: entry.as });
  const filtered = filterUnusableTools(mapping.request, { upstreamProtocol: ctx.upstreamProtocol });
  if (filtered.removed.length > 0) {
    once("dropped tools the upstream cannot run", { tools: filtered.removed, upstream: ctx.upstreamProtocol, model: ctx.upstreamModel });
  }
  return filtered.request;
}

/**
 * The command shape the client declared for a shell-style tool, by canonical name: a function
 * tool's schema, or argv for the Responses `local_shell` built-in.
 */
function declaredShellShape(name: string, ctx: TranslationContext, config: AgentsConfig): ShellCommandShape | undefined {
  if (!config.shell.enabled || !config.shell.tools.includes(name)) return undefined;
  for (const tool of ctx.request?.tools ?? []) {
    if (tool.kind === "function" && tool.name === name) return shellShapeFromSchema(tool.parameters);
    if (tool.kind === "builtin" && tool.type === "local_shell" && name === "local_shell") return { key: "command", shape: "argv" };
  }
  return undefined;
}

function normalize(name: string, args: string, shape: ShellCommandShape, config: AgentsConfig): string {
  return normalizeShellCall(name, args, shape, { toolNames: config.shell.tools, shell: config.shell.wrapper });
}

function adjustResponse(response: CanonicalResponse, ctx: TranslationContext, config: AgentsConfig): CanonicalResponse {
  if (!config.shell.enabled || !response.content.some((part) => part.type === "tool_call")) return response;
  let changed = false;
  const content = response.content.map((part): ContentPart => {
    if (part.type !== "tool_call" || part.kind !== "function") return part;
    const shape = declaredShellShape(part.name, ctx, config);
    if (!shape) return part;
    const args = normalize(part.name, part.arguments, shape, config);
    if (args === part.arguments) return part;
    changed = true;
    ctx.warn("normalised a shell tool call to the client's schema", { tool: part.name });
    return { ...part, arguments: args };
  });
  return changed ? { ...response, content } : response;
}

/**
 * Streams: the arguments of a shell-style call are held until its block closes, then sent
 * as one normalised fragment, so the client's deltas and final arguments agree. Other
 * blocks flow through untouched and unbuffered.
 */
function createEventAdjuster(ctx: TranslationContext, config: AgentsConfig): ((event: CanonicalEvent) => CanonicalEvent[]) | undefined {
  if (!config.shell.enabled) return undefined;
  const held = new Map<number, { name: string; shape: ShellCommandShape; args: string }>();
  const flush = (index: number): CanonicalEvent[] => {
    const call = held.get(index);
    if (!call) return [];
    held.delete(index);
    const args = normalize(call.name, call.args, call.shape, config);
    if (args !== call.args) ctx.warn("normalised a shell tool call to the client's schema", { tool: call.name });
    return args === "" ? [] : [{ type: "tool_args_delta", index, fragment: args }];
  };
  return (event) => {
    switch (event.type) {
      case "block_start": {
        if (event.block.type !== "tool_call" || event.block.kind !== "function") return [event];
        const shape = declaredShellShape(event.block.name, ctx, config);
        if (shape) held.set(event.index, { name: event.block.name, shape, args: "" });
        return [event];
      }
      case "tool_args_delta": {
        const call = held.get(event.index);
        if (!call) return [event];
        call.args += event.fragment;
        return [];
      }
      case "block_stop":
        return [...flush(event.index), event];
      case "finish":
      case "message_stop":
      case "error":
        // Whatever is still held goes out before the stream ends (a block left open upstream).
        return [...[...held.keys()].flatMap(flush), event];
      default:
        return [event];
    }
  };
}
