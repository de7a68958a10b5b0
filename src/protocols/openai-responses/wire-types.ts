/**
 * OpenAI Responses API wire types (POST /v1/responses, its stream events and errors).
 * Snake_case as on the wire (ARCHITECTURE.md house rule 1). Parsing is lenient: every
 * field is optional on types we read from the network, and unknown fields are kept by
 * the decoders through `extra` (house rule 2).
 */

/** A content part inside a `message` input or output item. */
export interface ResponsesContentPart {
  /** `input_text`, `output_text`, `input_image`, `input_file`, `refusal`, `input_audio`... */
  type: string;
  /** Text of `input_text` / `output_text`. */
  text?: string;
  /** Refusal text of a `refusal` part. */
  refusal?: string;
  /** Citations of an `output_text` part. */
  annotations?: unknown[];
  /** Token log probabilities of an `output_text` part, when `include` asked for them (P09). */
  logprobs?: unknown[];
  /** Image data URL or http(s) URL (a plain string in Responses, an object in Chat, C01). */
  image_url?: string;
  /** Uploaded file id of an image or file part. */
  file_id?: string;
  /** Image detail `auto` / `low` / `high`. */
  detail?: string;
  /** Inline file content as a data URL (or raw base64). */
  file_data?: string;
  /** File by URL. */
  file_url?: string;
  /** File name of an `input_file` part. */
  filename?: string;
}

/** Any item of `input` or `output`; discriminated by `type` (absent for the "easy" message form, R08). */
export interface ResponsesItem {
  type?: string;
  /** Item id (`msg_`, `fc_`, `rs_`, `ctc_`...). */
  id?: string;
  /** Message role: user, assistant, system, developer. */
  role?: string;
  /** Message content: a string or parts. Reasoning items: `reasoning_text` parts or null. */
  content?: string | ResponsesContentPart[] | null;
  /** Item status: in_progress, completed, incomplete. */
  status?: string;
  /** Linkage id of function_call / custom_tool_call and their outputs (H04). */
  call_id?: string;
  /** Tool name of a call item. */
  name?: string;
  /** Namespace of a namespaced function call (S11). */
  namespace?: string;
  /** JSON argument text of a function_call. */
  arguments?: string;
  /** Free-form input of a custom_tool_call (S10). */
  input?: string;
  /** Output of function_call_output / custom_tool_call_output: a string or content parts (H10). */
  output?: string | ResponsesContentPart[];
  /** Reasoning summary parts. */
  summary?: Array<{ type: string; text: string }>;
  /** Opaque reasoning blob, replayable only to OpenAI Responses (K09). */
  encrypted_content?: string | null;
  /** local_shell_call action. */
  action?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A tool definition in `tools`. */
export interface ResponsesTool {
  /** `function`, `custom`, `namespace`, or a built-in (`web_search`, `file_search`, ...). */
  type: string;
  name?: string;
  description?: string;
  /** JSON Schema of a function tool (flat, not nested as in Chat, S01). */
  parameters?: Record<string, unknown>;
  strict?: boolean;
  /** Custom tool input format (`{type:"grammar", syntax, definition}` or `{type:"text"}`). */
  format?: Record<string, unknown>;
  /** Child tools of a namespace (S11). */
  tools?: ResponsesTool[];
  [key: string]: unknown;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** The `response` object (non-streaming body, and the payload of lifecycle stream events). */
export interface ResponsesResponse {
  id: string;
  object: "response";
  created_at: number;
  /** completed, incomplete, failed, in_progress. */
  status: string;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  model: string;
  output: ResponsesItem[];
  usage: ResponsesUsage | null;
  [key: string]: unknown;
}

/** The OpenAI error envelope used by Responses clients for HTTP errors (E01). */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
