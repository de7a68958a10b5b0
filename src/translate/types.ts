import type { AgentHelpers } from "../agents/apply";
import type { CanonicalRequest, Protocol, Usage } from "../canonical/types";
import type { ProviderKind } from "../config/types";
import type { ChatDialect } from "../providers/chat-dialect";
import type { GatewayError } from "../errors/gateway-error";
import type { SseEvent } from "../streaming/sse-event";
import type { ModelCapabilities } from "./model-capabilities";
import type { EmulatedStructuredOutput } from "./structured-output-tool";
import type { ToolNames } from "./tool-names";

/** What a translator knows about the request it translates. */
export interface TranslationContext {
  clientProtocol: Protocol;
  upstreamProtocol: Protocol;
  /** The model name the client asked for: echoed back in responses (N06). */
  clientModel: string;
  /** The model name sent upstream (after aliases). */
  upstreamModel: string;
  /** Provider name from the configuration (for logs and provider quirks). */
  providerName: string;
  /**
   * Whose request this is (the user, else the key), for what the gateway keeps between one
   * client's turns (Gemini thought signatures): another client's turn never sees it.
   */
  signatureOwner?: string;
  /**
   * The provider's configured kind, when known: OpenAI itself and OpenAI-compatible servers
   * differ in what Chat Completions accepts (freeform `custom` tools, S10). Without it,
   * encoders treat a provider named `openai` as OpenAI.
   */
  providerKind?: ProviderKind;
  /**
   * What the provider's Chat Completions API takes beyond the core (refused fields, where
   * reasoning goes back, the output cap's name). Absent: chatDialectOf's default by name and kind.
   */
  chatDialect?: ChatDialect;
  /**
   * TC02: false when the Anthropic-compatible provider refuses `tool_choice: {type:"none"}`
   * (`tool_choice_none = false`): such a request goes without its tools instead.
   */
  toolChoiceNone?: boolean;
  /** CC02: the provider's smallest output cap (`min_output_tokens`); a smaller one is raised to it. */
  minOutputTokens?: number;
  /**
   * CC02: set by an encoder that raised the client's output cap to the provider's minimum: the
   * client's cap, which the answer is trimmed back to (output-floor.ts).
   */
  outputTrim?: number;
  /** Default `max_tokens` when the client gives none and the upstream requires one (P01). */
  defaultMaxTokens: number;
  /** The provider's `max_output_tokens`, if configured (P02); the model's own maximum is in `capabilities`. */
  maxOutputTokens?: number;
  /**
   * What the upstream model takes (thinking form, output maximum, sampling), resolved by the
   * proxy from the family table and the operator's `[models."…"]` entries. Absent: encoders use
   * the family table by name (model-capabilities.ts `capabilitiesOf`).
   */
  capabilities?: ModelCapabilities;
  /** Add prompt-cache breakpoints for non-Anthropic clients on Anthropic upstreams (Q04). */
  anthropicPromptCache?: boolean;
  /**
   * K10: Chat clients get the model's readable reasoning (`reasoning_content`, signed thinking in
   * `reasoning_details`). Absent: true. Encrypted and redacted entries, which show nothing, still go.
   */
  exposeReasoning?: boolean;
  /**
   * The decoded client request, when the caller has it. Client-side encoders use it to echo
   * settings (Responses R10/SR01), honour `reasoning.summary` and `include` (K10, SR06), and
   * map wrapped custom tools and flattened namespace tools back to the client's own
   * declarations (S10, S11). Optional: encoders fall back to sensible defaults without it.
   */
  request?: CanonicalRequest;
  /**
   * The client's request body as received (optional). Encoders read client-side options from
   * it that the canonical model does not carry, e.g. Chat `stream_options.include_usage`
   * (SC03: a usage chunk only for clients that asked for one).
   */
  clientBody?: Record<string, unknown>;
  /**
   * Agent helpers (loop guard, tool mapping, shell normalisation), applied on the canonical
   * request and answer between the two codecs. Absent: the translation is the codecs' alone.
   */
  agents?: AgentHelpers;
  /**
   * Tool names as sent upstream, set by `buildUpstreamRequest`: names the upstream would refuse
   * are rewritten there and mapped back in its answer (S02); near-miss names are repaired (S03).
   */
  toolNames?: ToolNames;
  /**
   * Set by an encoder that emulated structured output with a forced tool (J02): the response
   * side turns that tool's call back into the answer's text.
   */
  structuredOutput?: EmulatedStructuredOutput;
  /**
   * J03: function tools whose optional properties an encoder made nullable for OpenAI strict
   * mode, by the name sent upstream, with the client's own schema: an Anthropic client's tool
   * input loses the `null`s that schema has no place for (strict-nulls.ts).
   */
  strictNullables?: Map<string, Record<string, unknown>>;
  /**
   * Set by an encoder whose upstream has no stop sequences (Responses), or may not apply them
   * all (Chat: four at most, none on reasoning models): the response side cuts
   * the answer's text at the first of them, as the upstream would have (stop-sequences.ts).
   */
  emulatedStopSequences?: string[];
  /**
   * Responses clients: told each reasoning item's replay blob (K09) whether or not the client
   * asked for `encrypted_content`, so the response store can keep Claude's signed thinking for a
   * `previous_response_id` continuation, as OpenAI keeps its own reasoning (responses-store).
   */
  keepReasoning?: (itemId: string, blob: string) => void;
  /**
   * Responses clients: output items that come before the model's own, announced first in a
   * stream (server-side compaction's `compaction` item, src/proxy/context-management.ts).
   */
  leadingOutput?: Record<string, unknown>[];
  /** Responses clients: the response id to answer under, fixed beforehand (a background response, src/proxy/background.ts). */
  responseId?: string;
  /** Where translators report what they had to drop (never a 400 that stops the client). */
  warn: (message: string, details?: Record<string, unknown>) => void;
  /**
   * A request adapted to what the target model cannot take (reasoning for a Claude without
   * thinking): logged once per provider and model, then at debug. Absent: `warn`.
   */
  notice?: (message: string, details?: Record<string, unknown>) => void;
  /** Routine adjustments not worth a warning on every request (a cap lowered to the model's maximum). */
  debug?: (message: string, details?: Record<string, unknown>) => void;
}

/** Turns a client's stream of upstream events into the client's protocol, one event at a time. */
export interface StreamTranslator {
  /** Translate one upstream SSE event into zero or more client SSE events. */
  push(event: SseEvent): SseEvent[];
  /** The upstream ended (normally or not): the events that close the client's stream properly. */
  end(): SseEvent[];
  /** The upstream failed mid-stream: one protocol-correct error event (and nothing after it). */
  fail(error: GatewayError): SseEvent[];
  /** Usage seen so far, exact when the upstream reported it. */
  usage(): Usage;
  /** Whether usage came from the upstream (false: estimated or missing). */
  usageReported(): boolean;
  /** Whether the upstream's final usage (with the output count) arrived, not only its opening figures. */
  usageFinal(): boolean;
  /** The text the upstream generated so far (text, reasoning, tool arguments), for an estimate when usage is missing. */
  generatedText(): string;
  /** True once the upstream has sent its terminal event (the stream is complete). */
  completed(): boolean;
  /**
   * True once the gateway ended the answer itself (an emulated stop sequence matched): the
   * client's stream is complete, and the rest of the upstream's is not wanted.
   */
  endedByGateway(): boolean;
  /**
   * True when the upstream ended its answer without the closing usage (a server that ignores
   * `include_usage` or omits `usage`): the client's closing events wait for `closeCut` (CC05).
   */
  heldForUsage(): boolean;
  /**
   * After `endedByGateway` or `heldForUsage`: the client's closing events (stop reason, usage,
   * end), held until now because the upstream's closing usage never comes (its call was aborted
   * at a cut, or it reports none). `usage` is what the ledger records for the answer (the
   * upstream's figures so far, the rest estimated), so the client is told the same numbers
   * instead of zeros.
   */
  closeCut(usage: Usage): SseEvent[];
  /** The client protocol's keep-alive events for a quiet stretch, or none (CanonicalStreamEncoder.keepalive). */
  keepalive(): SseEvent[];
}

/**
 * An upstream stream gathered into one non-streaming answer (SC06), event by event. With stop
 * sequences the gateway applies (`emulatedStopSequences`), `push` says when one matched: the
 * rest of the upstream's generation is not wanted, so its call can be aborted there instead of
 * paying for every token up to `max_tokens`.
 */
export interface StreamCollector {
  /** One upstream event; true once the answer has ended at an emulated stop sequence (read no further). */
  push(event: SseEvent): boolean;
  /** Whether an emulated stop sequence ended the answer. */
  cut(): boolean;
  /**
   * The client's body for everything pushed; throws GatewayError when the stream carried an
   * error or ended early. `usage` replaces the upstream's figures (after a cut its closing usage
   * never comes, and the client is told what the ledger records).
   */
  finish(usage?: Usage): { body: unknown; usage: Usage };
}

/**
 * A client-protocol → upstream-protocol translation through the canonical hub.
 * Pure and per request: `buildUpstreamRequest` runs again unchanged on failover.
 */
export interface Translator {
  /** The upstream request body for the client's body; throws GatewayError on bad input. */
  buildUpstreamRequest(clientBody: Record<string, unknown>, ctx: TranslationContext): Record<string, unknown>;
  /** Translate a non-streaming upstream response body; `usage` replaces the upstream's figures (it reported none, CC05). */
  translateResponse(upstreamBody: unknown, ctx: TranslationContext, usage?: Usage): { body: unknown; usage: Usage };
  /**
   * A whole upstream stream (its SSE events) as one non-streaming response for the client
   * (SC06). Throws GatewayError when the stream carried an error or ended early.
   */
  translateCollectedStream(upstreamEvents: readonly SseEvent[], ctx: TranslationContext): { body: unknown; usage: Usage };
  /** The same, fed one event at a time, so the upstream can be left at a stop the gateway applies. */
  createCollector(ctx: TranslationContext): StreamCollector;
  createStreamTranslator(ctx: TranslationContext): StreamTranslator;
  /** Map an upstream error (status and parsed body) to the gateway's error catalogue. */
  translateError(status: number, upstreamBody: unknown, headers: Headers): GatewayError;
}
