/**
 * Anthropic Messages API wire shapes (https://docs.anthropic.com/en/api/messages), in the
 * wire's snake_case. Requests are what we build or receive; responses come off the network,
 * so every field the decoders read is optional there (house rule 2: parse leniently).
 */

/** Prompt-cache breakpoint marker (CC04). */
export interface AnthropicCacheControl {
  type: "ephemeral";
  /** Cache lifetime, `5m` (default) or `1h`. */
  ttl?: string;
}

export interface AnthropicTextBlock {
  type: "text";
  text: string;
  cache_control?: AnthropicCacheControl;
  /** Source citations attached to this text (C06). */
  citations?: unknown[];
}

/** Where an image or document comes from. */
export type AnthropicSource =
  | { type: "base64"; media_type: string; data: string }
  | { type: "url"; url: string }
  | { type: "file"; file_id: string }
  /** Plain-text document body. */
  | { type: "text"; media_type?: string; data: string }
  /** A document given as its own chunks, each citable as a block (documents only). */
  | { type: "content"; content: string | Array<AnthropicTextBlock | AnthropicImageBlock> };

export interface AnthropicImageBlock {
  type: "image";
  source: AnthropicSource;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicDocumentBlock {
  type: "document";
  source: AnthropicSource;
  /** Title shown to the model. */
  title?: string;
  /** Extra context about the document, not cited. */
  context?: string;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolUseBlock {
  type: "tool_use";
  /** `toolu_…`; must match `^[a-zA-Z0-9_-]+$` (H01). */
  id: string;
  name: string;
  /** Arguments as a JSON object, never a string. */
  input: Record<string, unknown>;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolResultBlock {
  type: "tool_result";
  /** The `tool_use.id` this answers. */
  tool_use_id: string;
  /** A string, or text/image/document blocks (C04). */
  content?: string | Array<AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock>;
  /** The tool failed (H05). */
  is_error?: boolean;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicThinkingBlock {
  type: "thinking";
  thinking: string;
  /** Opaque signature; must be replayed byte for byte to Anthropic (K06). */
  signature: string;
}

export interface AnthropicRedactedThinkingBlock {
  type: "redacted_thinking";
  /** Encrypted thinking, replayable only to Anthropic. */
  data: string;
}

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock
  /** server_tool_use, web_search_tool_result, search_result...: kept opaque. */
  | { type: string; [key: string]: unknown };

export interface AnthropicMessage {
  /** Claude Code also sends `system` turns inside `messages` (M03). */
  role: "user" | "assistant" | "system";
  content: string | AnthropicContentBlock[];
}

export interface AnthropicTool {
  /** Absent or `custom` for client tools; a versioned type for server tools (S09). */
  type?: string;
  name: string;
  description?: string;
  /** JSON Schema of the input. */
  input_schema?: Record<string, unknown>;
  /** Structured tool inputs (S01). */
  strict?: boolean;
  cache_control?: AnthropicCacheControl;
  /** Tool-search deferred loading (S08); stripped for other upstreams. */
  defer_loading?: boolean;
}

export type AnthropicToolChoice =
  | { type: "auto"; disable_parallel_tool_use?: boolean }
  /** Must call some tool. */
  | { type: "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

export type AnthropicThinking =
  | { type: "enabled"; budget_tokens: number; display?: string }
  /** The model decides how much to think (K01). */
  | { type: "adaptive"; display?: string }
  | { type: "disabled" };

export interface AnthropicRequest {
  model: string;
  /** Required by Anthropic (P01). */
  max_tokens?: number;
  system?: string | AnthropicTextBlock[];
  messages: AnthropicMessage[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  thinking?: AnthropicThinking;
  /** `effort` (K01) and `format` (native structured outputs, J01). */
  output_config?: { effort?: string; format?: { type: "json_schema"; schema: Record<string, unknown> } };
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  stream?: boolean;
  /** Only `user_id` is accepted (P10). */
  metadata?: { user_id?: string };
  service_tier?: string;
  [key: string]: unknown;
}

export interface AnthropicUsage {
  /** Uncached prompt tokens only: excludes both cache counts (N03). */
  input_tokens?: number | null;
  output_tokens?: number | null;
  /** Prompt tokens read from the cache. */
  cache_read_input_tokens?: number | null;
  /** Prompt tokens written to the cache. */
  cache_creation_input_tokens?: number | null;
  /** Thinking tokens inside output_tokens (thinking-token-count beta, K11). */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
  /** Server tools run for the answer (S09): searches count here, not in tokens. */
  server_tool_use?: { web_search_requests?: number | null } | null;
  /** The tier that served the answer (`standard`, `priority`, `batch`). */
  service_tier?: string | null;
}

export interface AnthropicResponse {
  /** `msg_…`. */
  id?: string;
  type?: "message";
  role?: "assistant";
  model?: string;
  content?: AnthropicContentBlock[] | null;
  stop_reason?: string | null;
  /** The matched stop sequence; always present (null) in replies (N02). */
  stop_sequence?: string | null;
  usage?: AnthropicUsage | null;
}

export interface AnthropicErrorBody {
  type: "error";
  error: {
    /** invalid_request_error, authentication_error, rate_limit_error, overloaded_error... (E02). */
    type: string;
    message: string;
  };
  /** The `request-id` header's value, repeated in the body (absent from mid-stream `error` events). */
  request_id?: string;
}
