import { agentHelpersFor } from "../agents/apply";
import { guardNativeToolLoop } from "../agents/native-guard";
import type { Protocol } from "../canonical/types";
import { GatewayError } from "../errors/gateway-error";
import { applyAnthropicCompat } from "../protocols/anthropic/compat-filter";
import { withoutOpenAIThinking } from "../protocols/anthropic/foreign-thinking";
import { refuseAnthropicThread } from "../protocols/anthropic/thread-field";
import { withoutForeignReasoning } from "../protocols/openai-responses/foreign-reasoning";
import { withGatewayCompactionsExpanded } from "../protocols/openai-responses/gateway-compaction";
import { checkOpenAIHostedState } from "../protocols/openai-responses/request-checks";
import type { AnthropicCompat } from "../providers/anthropic-compat";
import type { RouteTarget } from "../routing/router";
import { logprobsParam } from "../translate/logprobs";
import { findCodec } from "../translate/registry";
import type { TranslationContext, Translator } from "../translate/types";
import type { RequestLog } from "../log/logger";
import type { ModelCapabilityTable } from "./model-capability-table";
import { DROPPABLE_CHAT_FIELDS } from "./refused-fields";
import { applyChatDialect } from "../providers/dialects/apply-chat-dialect";
import { countTokensBodyOf } from "./input-tokens";
import { protocolOfOperation, upstreamOperationFor, wantsStream } from "./operation";
import type { ModelRequest, ProxyDeps } from "./types";

/** The body to send upstream for one target, and how its answer must be read. */
export interface PreparedAttempt {
  target: RouteTarget;
  /** The upstream request body: JSON text, or the client's own bytes when forwarded untouched. */
  body: string | Uint8Array;
  /** The parsed upstream body (loopback answers from it). */
  bodyObject: Record<string, unknown>;
  translator?: Translator;
  context: TranslationContext;
  /** Native Chat streams: we asked for usage the client did not ask for, so its usage chunk is dropped. */
  dropUsageChunk: boolean;
  /** SC06: the client wants one answer, the upstream is asked to stream it; the stream is collected. */
  collectStream?: boolean;
  /**
   * Fields of the body the gateway may leave out when the upstream refuses them (a 400 naming
   * one, refused-fields.ts): the optional ones it chose itself. Empty: none.
   */
  droppable: readonly string[];
}

/**
 * Above this `max_tokens` a non-streamed Anthropic call may run past ten minutes (Anthropic's
 * SDKs refuse to send one: 60 min × max_tokens / 128,000 > 10 min), where idle connections get
 * cut and the upstream answers 504; such calls are streamed upstream and collected (SC06).
 */
export const LONG_ANTHROPIC_CALL_MAX_TOKENS = 21_333;

/**
 * Ask for a stream the gateway collects into the client's one answer (SC06): long Anthropic
 * calls, and answers cut at a stop sequence the gateway applies itself, where only a stream lets
 * it abort the call at the match instead of paying for every token up to max_tokens. A Chat
 * upstream sends stream usage only when asked.
 */
function streamUpstream(bodyObject: Record<string, unknown>, upstreamProtocol: Protocol): void {
  bodyObject.stream = true;
  if (upstreamProtocol === "openai-chat") bodyObject.stream_options = { ...(bodyObject.stream_options as object | undefined), include_usage: true };
}

/** Build the upstream request for `target` (pure: rerun unchanged on failover). */
export function prepareAttempt(request: ModelRequest, target: RouteTarget, deps: ProxyDeps, log: RequestLog): PreparedAttempt {
  const warn: TranslationContext["warn"] = (message, details) => log.warn({ ...details }, message);
  const clientModel = String(request.body.model);
  const upstreamProtocol = target.upstreamProtocol;
  const provider = target.provider === "loopback" ? undefined : target.provider;
  const context: TranslationContext = {
    clientProtocol: request.clientProtocol,
    upstreamProtocol,
    clientModel,
    upstreamModel: target.upstreamModel,
    providerName: target.providerName,
    // Gemini thought signatures are kept per client (gemini-signatures.ts): the user's, else the key's.
    signatureOwner: request.principal.userId !== null ? `u:${request.principal.userId}` : request.principal.apiKeyId !== null ? `k:${request.principal.apiKeyId}` : "",
    ...(provider ? { providerKind: provider.kind, chatDialect: provider.chatDialect } : {}),
    defaultMaxTokens: deps.config.defaultMaxTokens,
    maxOutputTokens: provider?.maxOutputTokens,
    toolChoiceNone: provider?.toolChoiceNone,
    minOutputTokens: provider?.minOutputTokens,
    anthropicPromptCache: deps.config.anthropicPromptCache,
    exposeReasoning: deps.capabilities?.exposeReasoning(target.upstreamModel) ?? deps.config.exposeReasoning ?? true,
    clientBody: request.body,
    ...(request.keepReasoning ? { keepReasoning: request.keepReasoning } : {}),
    ...(request.leadingOutput ? { leadingOutput: request.leadingOutput } : {}),
    ...(request.responseId ? { responseId: request.responseId } : {}),
    warn,
  };
  checkWorkMode(request, target, deps);

  const sideOperation = request.operation === "openai-embeddings" || request.operation === "anthropic-count-tokens";
  if (target.translate && !sideOperation) {
    // Only translation runs the agent helpers (native requests get the loop guard below), and
    // only translation fits a request to the target model (native bodies go as the client sent them).
    if (deps.config.agents) context.agents = agentHelpersFor(deps.config.agents);
    if (deps.capabilities) Object.assign(context, modelLimitReporting(deps.capabilities, target, log));
    const translator = deps.findTranslator(request.clientProtocol, upstreamProtocol);
    if (!translator) {
      throw new GatewayError(
        "translation_unsupported",
        501,
        `translation from ${request.clientProtocol} to ${upstreamProtocol} is not implemented in this gateway build (model '${clientModel}' routes to provider '${target.providerName}', which speaks ${upstreamProtocol})`,
      );
    }
    if (upstreamProtocol === "anthropic") checkLogprobs(request, target, deps, warn);
    if (request.clientProtocol === "openai-responses" && upstreamProtocol !== "openai-responses") checkOpenAIHostedState(request.body, target.providerName);
    if (request.clientProtocol === "anthropic" && upstreamProtocol !== "anthropic") refuseAnthropicThread(request.body, `provider '${target.providerName}' speaks ${upstreamProtocol}`);
    // Responses input_tokens on Claude: the Messages request POST /v1/responses would send,
    // narrowed to what count_tokens takes (input-tokens.ts); never streamed.
    const counting = request.operation === "openai-responses-input-tokens";
    const built = translator.buildUpstreamRequest(request.body, context);
    let bodyObject = counting && upstreamProtocol === "anthropic" ? countTokensBodyOf(built) : built;
    if (upstreamProtocol === "anthropic" && provider) bodyObject = fitAnthropicCompat(bodyObject, provider.anthropicCompat, log);
    const collectStream = !counting && !wantsStream(request.operation, request.body) && (context.emulatedStopSequences !== undefined || (upstreamProtocol === "anthropic" && Number(bodyObject.max_tokens) > LONG_ANTHROPIC_CALL_MAX_TOKENS));
    if (collectStream) streamUpstream(bodyObject, upstreamProtocol);
    const droppable = upstreamProtocol === "openai-chat" && provider ? DROPPABLE_CHAT_FIELDS : [];
    // Fields this provider's model refused before go no more, nor a cap above the one it takes
    // (refused-fields.ts, output-cap-refusals.ts).
    // A refused value goes only with that value ("does not support 'xhigh'": 'high' still goes).
    const refuses = provider && deps.refusedFields?.refusalsFor(target.providerName, target.upstreamModel);
    if (refuses) for (const field of droppable) if (field in bodyObject && refuses(field, bodyObject[field])) delete bodyObject[field];
    const cap = provider && upstreamProtocol === "openai-chat" ? deps.refusedFields?.outputCapFor(target.providerName, target.upstreamModel) : undefined;
    if (cap !== undefined) lowerOutputCap(bodyObject, cap);
    return { target, body: JSON.stringify(bodyObject), bodyObject, translator, context, dropUsageChunk: false, collectStream, droppable };
  }
  if (sideOperation && upstreamOperationFor(request.operation, upstreamProtocol) === "openai-embeddings" && upstreamProtocol === "anthropic") {
    throw new GatewayError("invalid_request", 400, `model '${clientModel}' routes to provider '${target.providerName}', which does not serve embeddings`, { param: "model" });
  }

  // Native: forward the client's body untouched but for the model name (and usage for Chat streams),
  // a notice from the loop guard when the history shows a tool loop (README "Agent helpers"), and
  // reasoning another provider wrote left out (Responses reasoning items, Anthropic thinking).
  let source = request.body;
  // A count is not a turn: no tool-loop notice is added to what it counts.
  const codec = sideOperation || request.operation === "openai-responses-input-tokens" ? undefined : findCodec(request.clientProtocol);
  if (codec && deps.config.agents) source = guardNativeToolLoop(request.clientProtocol, request.body, (body) => codec.decodeRequest(body), deps.config.agents.toolLoop, warn);
  let bodyObject = source;
  let dropUsageChunk = false;
  if (protocolOfOperation(request.operation) === "openai-responses" && upstreamProtocol === "openai-responses" && target.provider !== "loopback") {
    // Reasoning items from Claude or a Chat model served through this gateway would make OpenAI
    // refuse the whole request (a blob it cannot decrypt, an id it never issued): left out.
    const input = withoutForeignReasoning(source.input);
    if (input !== source.input) warn("left out reasoning items from another provider, which an OpenAI Responses model cannot replay");
    // Summaries this gateway compacted for another model: OpenAI reads them as the user message they stand for.
    const expanded = withGatewayCompactionsExpanded(input);
    if (expanded !== source.input) bodyObject = { ...source, input: expanded };
  }
  if ((request.operation === "anthropic" || request.operation === "anthropic-count-tokens") && upstreamProtocol === "anthropic" && target.provider !== "loopback") {
    // Threads live at Anthropic; its clones (DeepSeek, Kimi…) would ignore the field and lose the history.
    if (target.provider.anthropicCompat.name !== "anthropic") refuseAnthropicThread(bodyObject, `provider '${target.providerName}' is ${target.provider.anthropicCompat.name}'s Anthropic-compatible API`);
    // Thinking blocks holding an OpenAI model's reasoning (Claude Code served by one earlier in
    // the session) carry a signature Anthropic never issued, and it refuses the whole request;
    // so does Anthropic itself (not its clones) for unsigned ones (a Chat model's reasoning).
    const cleaned = withoutOpenAIThinking(bodyObject, { unsigned: target.provider.anthropicCompat.name === "anthropic" });
    if (cleaned.dropped > 0) {
      warn("left out thinking blocks holding another provider's reasoning, whose signatures Anthropic would refuse", { dropped: cleaned.dropped, thinkingOff: cleaned.thinkingOff });
      bodyObject = cleaned.body;
    }
    bodyObject = fitAnthropicCompat(bodyObject, target.provider.anthropicCompat, log);
  }
  const renamed = target.upstreamModel !== clientModel;
  const chatStreamWithoutUsage =
    request.operation === "openai-chat" &&
    request.body.stream === true &&
    (request.body.stream_options as Record<string, unknown> | undefined)?.include_usage !== true &&
    // A provider that refuses stream_options gets none it did not ask for (chat-dialect.ts,
    // refused-fields.ts); Mistral reports usage in its last chunk anyway.
    !(provider !== undefined && deps.refusedFields?.refuses(target.providerName, target.upstreamModel, "stream_options")) &&
    !(provider?.chatDialect.omitFields.includes("stream_options") ?? false);
  // The provider's dialect: fields it refuses left out, others renamed (Mistral's `random_seed`),
  // per-model levels (chat-dialect.ts, dialects/). A native Chat body says itself whether
  // reasoning is off (`reasoning_effort: "none"`); no effort named is the model's default.
  let addedThinking = false;
  if (request.operation === "openai-chat" && provider) {
    bodyObject = applyChatDialect(bodyObject, provider.chatDialect, { model: target.upstreamModel, reasoningOff: false });
    // A thinking toggle the dialect added (DeepSeek) may go when the server refuses it, as
    // stream_options may, and goes no more once refused (a DeepSeek model served elsewhere).
    addedThinking = "thinking" in bodyObject && !("thinking" in request.body);
    if (addedThinking && deps.refusedFields?.refuses(target.providerName, target.upstreamModel, "thinking")) {
      delete bodyObject.thinking;
      addedThinking = false;
    }
  }
  if (renamed || chatStreamWithoutUsage) {
    bodyObject = { ...bodyObject, model: target.upstreamModel };
    if (chatStreamWithoutUsage) {
      // Exact stream usage for the ledger: ask the upstream for it, hide it from a client that did not ask.
      bodyObject.stream_options = { ...((request.body.stream_options as object | undefined) ?? {}), include_usage: true };
      dropUsageChunk = true;
    }
  }
  const body = bodyObject === request.body ? request.rawBody : JSON.stringify(bodyObject);
  // The client's own fields are its business; only what the gateway added (stream_options, a thinking toggle) may go.
  const droppable = [...(dropUsageChunk ? ["stream_options"] : []), ...(addedThinking ? ["thinking"] : [])];
  return { target, body, bodyObject, context, dropUsageChunk, droppable };
}

/** Q05: a Messages body as the provider's Anthropic-compatible server takes it (compat-filter.ts). */
function fitAnthropicCompat(body: Record<string, unknown>, compat: AnthropicCompat, log: RequestLog): Record<string, unknown> {
  const fitted = applyAnthropicCompat(body, compat);
  // Debug, not warn: Claude Code marks cache breakpoints on every request, so this is routine.
  if (fitted.changed.length > 0) log.debug({ profile: compat.name, changed: fitted.changed }, "request fitted to the provider's Anthropic-compatible profile");
  return fitted.body;
}

/** The fields that carry a Chat request's output cap. */
export const OUTPUT_CAP_FIELDS = ["max_tokens", "max_completion_tokens"] as const;

/** A Chat body's output cap lowered to `cap` where it asks more. */
export function lowerOutputCap(body: Record<string, unknown>, cap: number): void {
  for (const field of OUTPUT_CAP_FIELDS) if (typeof body[field] === "number" && (body[field] as number) > cap) body[field] = cap;
}

/**
 * What the target model takes, and how adapting a request to it is logged: a limit once per
 * provider and model at warn level, then at debug (a Codex session on a Claude without thinking
 * would log it on every request); routine clamps always at debug.
 */
function modelLimitReporting(table: ModelCapabilityTable, target: RouteTarget, log: RequestLog): Pick<TranslationContext, "capabilities" | "notice" | "debug"> {
  return {
    capabilities: table.resolve(target.upstreamModel),
    notice: (message, details) => {
      const first = table.isFirstNotice(target.providerName, target.upstreamModel, message);
      if (first) log.warn({ provider: target.providerName, ...details }, `${message} (logged once per model; later requests at debug level)`);
      else log.debug({ provider: target.providerName, ...details }, message);
    },
    debug: (message, details) => log.debug({ ...details }, message),
  };
}

/** P09: Anthropic has no log probabilities; answer without them or refuse, as the operator chose. */
function checkLogprobs(request: ModelRequest, target: RouteTarget, deps: ProxyDeps, warn: TranslationContext["warn"]): void {
  const param = logprobsParam(request.clientProtocol, request.body);
  if (!param) return;
  if (deps.config.unsupportedLogprobs === "ignore") {
    warn("logprobs asked of an Anthropic upstream, which has none: answered without them", { param });
    return;
  }
  // translation_unsupported: a route's next provider may still serve it.
  throw new GatewayError("translation_unsupported", 400, `model '${String(request.body.model)}' is served by provider '${target.providerName}' (Anthropic Messages), which returns no log probabilities; remove '${param}' or use another model`, { param });
}

/** The original's work-mode table (notes/upstream-tokligence.md §1.13), with its error message. */
function checkWorkMode(request: ModelRequest, target: RouteTarget, deps: ProxyDeps): void {
  if (deps.config.workMode !== "passthrough" || target.provider === "loopback") return;
  if (target.upstreamProtocol === request.clientProtocol) return;
  throw new GatewayError(
    "work_mode_conflict",
    400,
    `work_mode=passthrough does not support translation (endpoint=${request.endpoint} expects ${familyOf(request.clientProtocol)} provider, but model=${String(request.body.model)} routes to ${target.providerName} provider speaking ${familyOf(target.upstreamProtocol)}); set work_mode=auto or work_mode=translation to enable translation`,
  );
}

function familyOf(protocol: Protocol): string {
  return protocol === "anthropic" ? "anthropic" : "openai";
}
