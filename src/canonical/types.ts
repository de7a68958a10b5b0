/**
 * The canonical model: the hub every protocol translates to and from.
 *
 * One request, one response and one stream of typed events, rich enough to carry
 * Anthropic Messages, OpenAI Chat Completions and OpenAI Responses without loss for
 * everything the gateway translates. Plain data, no I/O (ARCHITECTURE.md, house rule 1:
 * our own code is camelCase; wire names live only in src/protocols/*).
 *
 * Content is block-structured (as in Anthropic and Responses) because that is the
 * richest shape: Chat Completions flattens into it losslessly, the reverse is done by
 * the Chat encoder.
 */

/** The wire protocols a client or an upstream can speak. */
export type Protocol = "openai-chat" | "openai-responses" | "anthropic";

/** Cache hint carried from Anthropic `cache_control` so Anthropic upstreams keep it. */
export interface CacheHint {
  type: "ephemeral";
  ttl?: string;
}

/** Where an image or document comes from. */
export type MediaSource =
  | { kind: "base64"; mediaType: string; data: string }
  | { kind: "url"; url: string }
  /** An uploaded file id (OpenAI `file_id`, Anthropic Files API `file_id`). */
  | { kind: "file"; fileId: string };

/** One generated token's log probability, with the likeliest alternatives at its position. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  /** The token's UTF-8 bytes, when the upstream gave them (Chat's `bytes`, Responses' output_text `bytes`). */
  bytes?: number[];
  topLogprobs: Array<{ token: string; logprob: number; bytes?: number[] }>;
}

export interface TextPart {
  type: "text";
  text: string;
  cache?: CacheHint;
  /** Citations or annotations as the source protocol gave them; replayed only to the same protocol. */
  annotations?: unknown[];
  /** Log probabilities of the answer's tokens, when the client asked and the upstream gave them. */
  logprobs?: TokenLogprob[];
}

export interface ImagePart {
  type: "image";
  source: MediaSource;
  /** OpenAI image `detail` (`auto`, `low`, `high`). */
  detail?: string;
  cache?: CacheHint;
}

export interface DocumentPart {
  type: "document";
  source: MediaSource | TextDocumentSource | ContentDocumentSource;
  title?: string;
  /** Anthropic `context`: about the document, shown to the model but never cited. */
  context?: string;
  filename?: string;
  /**
   * Anthropic `citations.enabled`, when the client set it: Claude then cites the document in its
   * answer. OpenAI models have no such setting (document-citations.ts).
   */
  citations?: boolean;
  cache?: CacheHint;
}

/** A plain-text document body (Anthropic `source.type: "text"`). */
export interface TextDocumentSource {
  kind: "text";
  text: string;
  mediaType?: string;
}

/**
 * Anthropic `source.type: "content"`: the document given as its own chunks (text, or images),
 * each one citable as a block; a plain string is one text chunk.
 */
export interface ContentDocumentSource {
  kind: "content";
  blocks: Array<TextPart | ImagePart>;
}

/** Model reasoning: Anthropic thinking / redacted_thinking, Chat reasoning_content, Responses reasoning items. */
export interface ReasoningPart {
  type: "reasoning";
  /** Visible reasoning text (Anthropic `thinking`, Chat `reasoning_content`). */
  text?: string;
  /** Responses reasoning summary texts. */
  summary?: string[];
  /** Anthropic thinking signature: must be replayed verbatim to Anthropic. */
  signature?: string;
  /** Anthropic `redacted_thinking.data`: opaque, replayable only to Anthropic. */
  redactedData?: string;
  /** Responses `encrypted_content`: opaque, replayable only to OpenAI Responses. */
  encryptedContent?: string;
  /** Responses reasoning item id (`rs_…`). */
  id?: string;
}

/** A tool call made by the assistant. */
export interface ToolCallPart {
  type: "tool_call";
  /** Call id as the client sees it (`toolu_…`, `call_…`). */
  id: string;
  name: string;
  /**
   * The arguments as raw JSON text for function tools, or the free-form input string for
   * custom tools. Kept as text so streamed fragments and invalid JSON survive (H06).
   */
  arguments: string;
  /** `function` (JSON arguments) or `custom` (Responses freeform tools such as apply_patch). */
  kind: "function" | "custom";
  /** Responses namespace of a namespaced tool (S11), restored on the way out. */
  namespace?: string;
  /** Responses item id (`fc_…`/`ctc_…`) when it differs from the call id (H04). */
  itemId?: string;
  cache?: CacheHint;
}

/** The result of a tool call, sent back by the client. */
export interface ToolResultPart {
  type: "tool_result";
  toolCallId: string;
  /** Text and images; a plain string result is one text part. */
  content: Array<TextPart | ImagePart | DocumentPart>;
  isError?: boolean;
  /** Whether the call was a custom (freeform) tool call, for Responses `custom_tool_call_output`. */
  kind?: "function" | "custom";
  cache?: CacheHint;
}

/** Refusal text in assistant history (OpenAI `refusal`). */
export interface RefusalPart {
  type: "refusal";
  text: string;
}

/**
 * A block the gateway cannot translate but must keep for a same-protocol upstream
 * (Anthropic server_tool_use / web_search_tool_result, Responses web_search_call, ...).
 * Encoders for other protocols drop it (with a log line, never an error).
 */
export interface OpaquePart {
  type: "opaque";
  protocol: Protocol;
  value: unknown;
}

export type ContentPart =
  | TextPart
  | ImagePart
  | DocumentPart
  | ReasoningPart
  | ToolCallPart
  | ToolResultPart
  | RefusalPart
  | OpaquePart;

/**
 * A conversation turn. `system` and `developer` turns may appear in the middle
 * (Claude Code sends `role:"system"` reminders, M03; Codex sends `developer` items, M04).
 * Tool results travel in `user` turns, as in Anthropic.
 */
export interface Message {
  role: "system" | "developer" | "user" | "assistant";
  content: ContentPart[];
  /** OpenAI `name` on a message (M14). */
  name?: string;
}

export interface FunctionTool {
  kind: "function";
  name: string;
  description?: string;
  /** JSON Schema of the arguments, as the client sent it. */
  parameters: Record<string, unknown>;
  strict?: boolean;
  namespace?: string;
  cache?: CacheHint;
}

/** Responses custom (freeform) tool, e.g. Codex's `apply_patch` with a lark grammar. */
export interface CustomTool {
  kind: "custom";
  name: string;
  description?: string;
  /** The `format` object (`{type:"grammar", syntax, definition}` or `{type:"text"}`). */
  format?: Record<string, unknown>;
  namespace?: string;
}

/** A provider built-in tool (web search, code execution, computer use...). */
export interface BuiltinTool {
  kind: "builtin";
  /** The protocol whose wire shape `value` is. */
  protocol: Protocol;
  /** Wire `type` (`web_search_20250305`, `web_search`, ...). */
  type: string;
  value: Record<string, unknown>;
}

export type Tool = FunctionTool | CustomTool | BuiltinTool;

export type ToolChoice =
  | { type: "auto" }
  | { type: "none" }
  /** Must call some tool (Anthropic `any`, OpenAI `required`). */
  | { type: "required" }
  | { type: "tool"; name: string };

export interface ReasoningConfig {
  /** Reasoning on or off. Anthropic `thinking.type`, OpenAI `reasoning_effort:"none"`. */
  enabled: boolean;
  /** OpenAI effort (`minimal`, `low`, `medium`, `high`, `xhigh`). */
  effort?: string;
  /** Anthropic thinking budget in tokens. */
  budgetTokens?: number;
  /** Anthropic `thinking.type:"adaptive"` (the model decides). */
  adaptive?: boolean;
  /** Responses `reasoning.summary` (`auto`, `concise`, `detailed`). */
  summary?: string;
}

/** An approximate user location for web search (the fields every protocol shares). */
export interface ApproximateLocation {
  city?: string;
  region?: string;
  /** Two-letter ISO country code. */
  country?: string;
  /** IANA time zone (`Europe/Paris`). */
  timezone?: string;
}

/** A web search the client asked for outside its tool list (Chat `web_search_options`). */
export interface WebSearchRequest {
  /** OpenAI `search_context_size` (`low`, `medium`, `high`): how much of the pages the model reads. */
  contextSize?: string;
  userLocation?: ApproximateLocation;
}

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name?: string; schema: Record<string, unknown>; strict?: boolean; description?: string };

export interface CanonicalRequest {
  /** Model the client asked for (alias resolution happens in routing). */
  model: string;
  /** Leading system prompt blocks (Anthropic `system`, Responses `instructions`, leading system messages). */
  system: TextPart[];
  messages: Message[];
  tools: Tool[];
  toolChoice?: ToolChoice;
  /** False when the client forbids parallel calls (Anthropic `disable_parallel_tool_use`). */
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  /**
   * Token log probabilities asked for (Chat `logprobs: true`, Responses `include:
   * ["message.output_text.logprobs"]`, with `top_logprobs` alternatives per position). Both keep
   * the fields in `extra` too, so a same-protocol upstream gets them verbatim.
   */
  logprobs?: { topLogprobs?: number };
  stream: boolean;
  reasoning?: ReasoningConfig;
  responseFormat?: ResponseFormat;
  /** End-user id (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  serviceTier?: string;
  /**
   * OpenAI's prompt-cache routing key (`prompt_cache_key`, Chat and Responses alike): requests
   * sharing a prefix and key land on the same cache (Codex sends its conversation id). Claude
   * caches by `cache_control` breakpoints instead, so it has no use there.
   */
  promptCacheKey?: string;
  /**
   * J04: how long an answer GPT-5 writes (`low`, `medium`, `high`): Chat's top-level
   * `verbosity`, Responses' `text.verbosity`. Claude has no such setting.
   */
  verbosity?: string;
  /**
   * S09: search the web before answering, as a Chat client asks with `web_search_options`
   * (OpenAI's search models). The Anthropic and Responses encoders add their own search tool
   * (web-search.ts); a Chat upstream gets the client's field back from `extra`.
   */
  webSearch?: WebSearchRequest;
  /** Responses statefulness, resolved by the gateway before encoding (R-cases). */
  store?: boolean;
  previousResponseId?: string;
  /**
   * Fields of the source protocol that have no canonical meaning, keyed by wire name.
   * Encoders for the same protocol put them back; others ignore them.
   */
  extra: { protocol: Protocol; fields: Record<string, unknown> };
}

/** Why generation stopped, in the Anthropic vocabulary (the richest one). */
export type StopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal"
  | "content_filter"
  | "model_context_window_exceeded";

/**
 * Token usage. `inputTokens` counts every prompt token, cached or not (OpenAI semantics);
 * `cacheReadTokens` and `cacheWriteTokens` say how many of them were cache reads and writes.
 * Anthropic's `input_tokens` excludes both, so its codec adds them (N03/N04).
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Reasoning tokens, already included in outputTokens. */
  reasoningTokens: number;
  /**
   * Web searches the provider ran for the answer (Anthropic `server_tool_use.web_search_requests`,
   * a Responses upstream's `web_search_call` items). Absent when none ran.
   */
  webSearchRequests?: number;
}

export interface CanonicalResponse {
  id: string;
  /** Model as the upstream reported it (the encoder echoes the client's name, N06). */
  model: string;
  /** Assistant content: reasoning, text, tool calls, refusals, opaque blocks. */
  content: ContentPart[];
  stopReason: StopReason;
  stopSequence?: string;
  usage: Usage;
  /** Unix seconds. */
  created?: number;
  /** The tier the upstream says served the answer, in OpenAI's words (`default`, `priority`, `flex`...). */
  serviceTier?: string;
}

/**
 * Stream events. Blocks are numbered in the order they open; every block is opened with
 * `block_start` before its deltas and closed with `block_stop`. Decoders of protocols
 * without blocks (Chat) synthesise them.
 */
export type CanonicalEvent =
  | { type: "message_start"; id: string; model: string; usage?: Partial<Usage>; serviceTier?: string }
  | {
      type: "block_start";
      index: number;
      block:
        | { type: "text" }
        | { type: "reasoning"; id?: string }
        | { type: "tool_call"; id: string; name: string; kind: "function" | "custom"; namespace?: string }
        | { type: "opaque"; protocol: Protocol; value: unknown };
    }
  | { type: "text_delta"; index: number; text: string; logprobs?: TokenLogprob[] }
  /**
   * A citation of a text block, as the source protocol gave it (Anthropic `citations_delta`, a
   * Responses `url_citation`, which indexes into the block's text so far), the streamed
   * counterpart of `TextPart.annotations`. It may come before the text it cites, so encoders that
   * need the block's length place it when the block closes (C06); each encoder keeps the kinds its
   * protocol can show.
   */
  | { type: "text_annotation"; index: number; annotation: unknown }
  | { type: "reasoning_delta"; index: number; text: string; summary?: boolean }
  /** Signature or encrypted content for the reasoning block, sent before it closes. */
  | { type: "reasoning_signature"; index: number; signature?: string; encryptedContent?: string; redactedData?: string }
  /** A fragment of a tool call's arguments (JSON text for function tools, raw input for custom). */
  | { type: "tool_args_delta"; index: number; fragment: string }
  | { type: "block_stop"; index: number }
  /** The final stop reason (may come before the last usage figures). */
  | { type: "finish"; stopReason: StopReason; stopSequence?: string }
  /** Usage so far; later events replace earlier figures field by field. */
  | {
      type: "usage";
      usage: Partial<Usage>;
      /** The tier the upstream says served the answer, when it says so only at the end (a Responses `response.completed`). */
      serviceTier?: string;
    }
  /** The upstream failed mid-stream; encoders emit one protocol-correct error event. */
  | {
      type: "error";
      status: number;
      code: string;
      message: string;
      /** The upstream's own error type (`overloaded_error`, `rate_limit_exceeded`...), when relayed. */
      upstreamType?: string;
      /** The upstream's own error code (`context_length_exceeded`...), when relayed (E04). */
      upstreamCode?: string;
      /** Seconds the client should wait, when known (E02). */
      retryAfter?: number;
    }
  /** The stream ended normally. */
  | { type: "message_stop" };
