import { clipUpstreamText } from "../../translate/error-event";

/**
 * The message, type and code of an OpenAI-compatible server's error body (E02, E08). Servers
 * that call themselves compatible word their errors differently, and a message the gateway
 * cannot find reaches Claude Code or Codex as a bare "upstream returned HTTP 400", which tells
 * the user nothing about what to change:
 * - OpenAI, DeepSeek, Groq, vLLM, Ollama: `{"error":{"message","type","code"}}`;
 * - xAI: `{"code":"Client specified an invalid argument","error":"<text>"}`;
 * - Gemini: the same envelope wrapped in an array, `[{"error":{"code":400,"message","status"}}]`;
 * - Mistral: `{"object":"error","message":"<text>"}`, or for a 422 `"message":{"detail":[…]}`;
 * - FastAPI servers: `{"detail":"<text>"}` or `{"detail":[{"loc","msg"}]}`;
 * - OpenRouter: `"Provider returned error"`, the provider's own error under `error.metadata.raw`.
 */
export function readOpenAIErrorBody(body: unknown): { message: string; type?: string; code?: string } {
  if (typeof body === "string") return { message: clipUpstreamText(body) };
  if (Array.isArray(body)) return readOpenAIErrorBody(body[0]);
  if (!body || typeof body !== "object") return { message: "" };
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === "string") return { message: error };
  if (error && typeof error === "object") {
    const { message, type, code, status, metadata } = error as Record<string, unknown>;
    return {
      message: withProviderCause(describeMessage(message), metadata),
      type: typeof type === "string" ? type : typeof status === "string" ? status : undefined,
      code: typeof code === "string" ? code : typeof code === "number" ? String(code) : undefined,
    };
  }
  const message = describeMessage(record.detail) || describeMessage(record.message);
  return { message, ...(typeof record.type === "string" ? { type: record.type } : {}) };
}

/** A message as text: a string, or pydantic's validation details (`{"detail":[…]}` or the list itself). */
function describeMessage(message: unknown): string {
  if (typeof message === "string") return message;
  const detail = Array.isArray(message) ? message : (message as { detail?: unknown } | null)?.detail;
  if (typeof detail === "string") return detail;
  if (!Array.isArray(detail)) return message && typeof message === "object" ? clipUpstreamText(JSON.stringify(message)) : "";
  return detail
    .map((entry) => {
      const { msg, loc } = (entry ?? {}) as { msg?: unknown; loc?: unknown };
      const where = Array.isArray(loc) ? loc.filter((part) => part !== "body").join(".") : "";
      return `${typeof msg === "string" ? msg : "invalid"}${where ? `: ${where}` : ""}`;
    })
    .join("; ");
}

/** OpenRouter: the routed provider's own error, which says what is wrong, after its generic line. */
function withProviderCause(message: string, metadata: unknown): string {
  const { raw, provider_name: provider } = (metadata ?? {}) as { raw?: unknown; provider_name?: unknown };
  if (typeof raw !== "string" || raw === "") return message;
  let cause = raw;
  try {
    const inner = readOpenAIErrorBody(JSON.parse(raw));
    if (inner.message) cause = inner.message;
  } catch {
    // raw is plain text
  }
  return `${message} (${typeof provider === "string" ? `${provider}: ` : ""}${clipUpstreamText(cause)})`;
}
