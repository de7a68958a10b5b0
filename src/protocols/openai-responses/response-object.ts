import type { CanonicalRequest } from "../../canonical/types";
import { encodeResponsesToolChoice, encodeResponsesTools } from "./encode-tools";
import type { ResponsesItem, ResponsesResponse, ResponsesUsage } from "./wire-types";

export interface ResponseObjectState {
  id: string;
  createdAt: number;
  status: "in_progress" | "completed" | "incomplete" | "failed";
  model: string;
  output: ResponsesItem[];
  usage: ResponsesUsage | null;
  error?: { code: string; message: string } | null;
  incompleteDetails?: { reason: string } | null;
}

/**
 * The Responses `response` object (R10, SR01, SR10): the same shape for the non-streaming
 * body and inside `response.created` / `response.completed` / ... events, with the
 * client's settings echoed when the caller passed the decoded request.
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
        : { type: "json_schema", name: format.name ?? "response", schema: format.schema, strict: format.strict ?? false };
  const ignoreWarnings = (): void => {};
  return {
    // The client's own `instructions`, as OpenAI echoes them (leading system items are not instructions).
    instructions: typeof extra.instructions === "string" ? extra.instructions : null,
    max_output_tokens: request.maxTokens ?? null,
    parallel_tool_calls: request.parallelToolCalls ?? true,
    previous_response_id: request.previousResponseId ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    store: request.store ?? true,
    temperature: request.temperature ?? null,
    text: { ...(isPlainObject(extra.text) ? extra.text : {}), format: textFormat },
    tool_choice: encodeResponsesToolChoice(request.toolChoice, request.tools) ?? "auto",
    tools: encodeResponsesTools(request.tools, ignoreWarnings),
    top_p: request.topP ?? null,
    truncation: typeof extra.truncation === "string" ? extra.truncation : "disabled",
    user: request.user ?? null,
    metadata: isPlainObject(extra.metadata) ? extra.metadata : {},
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
