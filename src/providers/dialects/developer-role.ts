import type { BodyPatch } from "./body-patch";

/**
 * M05: `developer` is OpenAI's newer name for `system`, and only OpenAI's own API knows it.
 * DeepSeek refuses it ("unknown variant `developer`"), Mistral validates roles strictly, and many
 * vLLM/Ollama chat templates have no such role, so a native Chat client's developer messages go
 * to every other server as `system` messages, at the same place (translated requests already
 * write `system`). The messages array is copied; the client's own body is never edited.
 */
export function developerRolePatch(body: Readonly<Record<string, unknown>>): BodyPatch {
  const messages = body.messages;
  if (!Array.isArray(messages) || !messages.some(isDeveloperMessage)) return {};
  return { messages: messages.map((message) => (isDeveloperMessage(message) ? { ...message, role: "system" } : message)) };
}

function isDeveloperMessage(message: unknown): boolean {
  return typeof message === "object" && message !== null && (message as { role?: unknown }).role === "developer";
}
