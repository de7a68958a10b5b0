/**
 * OpenAI Chat Completions wire shapes (https://platform.openai.com/docs/api-reference/chat),
 * in the wire's snake_case. Response and chunk shapes come off the network from OpenAI and
 * OpenAI-compatible servers (DeepSeek, vLLM, Ollama, Gemini-compat...), so the decoders treat
 * every field as optional.
 */

export interface ChatTextPart {
  type: "text";
  text: string;
}

export interface ChatImagePart {
  type: "image_url";
  /** An object in Chat (a plain string in Responses, C01). */
  image_url: { url: string; detail?: string };
}

export interface ChatFilePart {
  type: "file";
  /** Inline data URL with a filename, or an uploaded file id (C05). */
  file: { file_data?: string; filename?: string; file_id?: string };
}

export type ChatContentPart =
  | ChatTextPart
  | ChatImagePart
  | ChatFilePart
  /** Audio input (C07) and refusal parts in assistant history (C08). */
  | { type: string; [key: string]: unknown };

export interface ChatToolCall {
  /** `call_…`; may be empty or reused by some providers (H02). */
  id: string;
  type: "function" | "custom";
  function?: { name: string; /** JSON text (an object on some servers, H07). */ arguments: string };
  /** GPT-5 freeform tool call (S10). */
  custom?: { name: string; input: string };
  /** Gemini's thought signature for this call (K08, gemini-signatures.ts). */
  extra_content?: { google?: { thought_signature?: string } };
}

export interface ChatMessage {
  /** `developer` is the newer name for `system` (M05); `tool` carries one tool result. */
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content?: string | ChatContentPart[] | null;
  /** Participant name (M14). */
  name?: string;
  tool_calls?: ChatToolCall[];
  /** For role `tool`: the call this answers. */
  tool_call_id?: string;
  /** Assistant refusal text (C08, N09). */
  refusal?: string | null;
  /** Reasoning text of DeepSeek-style models; passed back in tool loops (K07). */
  reasoning_content?: string | null;
  /** The same under the name Ollama and some vLLM builds use (K04). */
  reasoning?: string | null;
  /** OpenRouter's structured reasoning entries, replayed as they came (reasoning-details-blob.ts). */
  reasoning_details?: Array<Record<string, unknown>>;
}

export interface ChatFunctionTool {
  type: "function";
  function: {
    name: string;
    description?: string;
    /** JSON Schema of the arguments. */
    parameters?: Record<string, unknown>;
    /** Strict schema adherence (S04, J03). */
    strict?: boolean;
  };
}

export interface ChatCustomTool {
  type: "custom";
  /** Freeform tool with an optional grammar (S10). */
  custom: { name: string; description?: string; format?: Record<string, unknown> };
}

export interface ChatUsage {
  /** Every prompt token, cached ones included (N04). */
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: {
    /** Prompt tokens served from the cache. */
    cached_tokens?: number | null;
    /** Cache writes (OpenRouter). */
    cache_write_tokens?: number | null;
  } | null;
  completion_tokens_details?: { /** Part of completion_tokens (K11). */ reasoning_tokens?: number | null } | null;
  /** DeepSeek's cache-hit count (N04). */
  prompt_cache_hit_tokens?: number | null;
}

/** One delta of a streamed tool call (SA04). */
export interface ChatToolCallDelta {
  /** Position of the call in this response; missing or always 0 on some servers (Q02). */
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string | Record<string, unknown> };
  custom?: { name?: string; input?: string };
  /** Gemini's thought signature, in the chunk that opens the call (K08). */
  extra_content?: { google?: { thought_signature?: string } };
}

export interface ChatChunk {
  id?: string;
  object?: "chat.completion.chunk";
  created?: number;
  model?: string;
  /** The tier serving the answer (OpenAI repeats it on every chunk). */
  service_tier?: string | null;
  /** Empty (or null on vLLM) in the final usage-only chunk (SA07). */
  choices?: Array<{
    index?: number;
    delta?: {
      role?: string;
      /** A string, or chunks (Mistral's reasoning models: `thinking` then `text`, content-chunks.ts). */
      content?: string | Array<Record<string, unknown>> | null;
      reasoning_content?: string | null;
      /** OpenRouter / some vLLM builds name the reasoning field `reasoning` (K04). */
      reasoning?: string | null;
      /** OpenRouter's structured reasoning entries, in pieces by `index` (reasoning-details-blob.ts). */
      reasoning_details?: unknown[] | null;
      refusal?: string | null;
      tool_calls?: ChatToolCallDelta[] | null;
    } | null;
    /** stop, length, tool_calls, content_filter, function_call, or null (N02). */
    finish_reason?: string | null;
    /** The tokens of this chunk's content, when the request said `logprobs: true` (P09). */
    logprobs?: { content?: unknown[] | null; refusal?: unknown[] | null } | null;
  }> | null;
  usage?: ChatUsage | null;
  /** Mid-stream error chunk (SC05). */
  error?: { message?: string; type?: string; /** A string; an HTTP status number from OpenRouter and Gemini. */ code?: string | number | null; param?: string | null };
}

export interface ChatErrorBody {
  error: {
    message: string;
    /** invalid_request_error, server_error, insufficient_quota, requests... (E02). */
    type: string;
    /** The request parameter at fault. */
    param: string | null;
    /** context_length_exceeded, rate_limit_exceeded, server_is_overloaded... */
    code: string | null;
  };
}
