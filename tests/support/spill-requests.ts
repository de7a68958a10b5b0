/** Requests of every kind for the ledger spill tests, timed, and their rows counted in the database. */
import type { Store } from "../../src/store/types";

/** Native and translated, streamed and not: how each is sent, and how the client knows it got everything. */
export const spillVariants: Array<{ name: string; path: string; body: Record<string, unknown>; complete: (text: string) => boolean }> = [
  { name: "chat", path: "/v1/chat/completions", body: { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }, complete: (text) => text.includes('"choices"') },
  { name: "chat-stream", path: "/v1/chat/completions", body: { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] }, complete: (text) => text.includes("data: [DONE]") },
  { name: "messages-stream", path: "/v1/messages", body: { model: "claude-sonnet-4-5", stream: true, max_tokens: 64, messages: [{ role: "user", content: "hi" }] }, complete: (text) => text.includes("event: message_stop") },
  { name: "messages-translated", path: "/v1/messages", body: { model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "hi" }] }, complete: (text) => text.includes('"type":"message"') },
  { name: "messages-translated-stream", path: "/v1/messages", body: { model: "gpt-4o", stream: true, max_tokens: 64, messages: [{ role: "user", content: "hi" }] }, complete: (text) => text.includes("event: message_stop") },
  { name: "chat-translated", path: "/v1/chat/completions", body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] }, complete: (text) => text.includes('"choices"') },
  { name: "responses-stream", path: "/v1/responses", body: { model: "gpt-4o", stream: true, input: "hi", store: false }, complete: (text) => text.includes("response.completed") },
];

/** The answer (status, whether complete, how long it took), or "hung" after `limitMs`. */
export async function timedRequest(url: string, variant: (typeof spillVariants)[number], clientRequestId: string, limitMs: number) {
  const started = Date.now();
  const attempt = (async () => {
    const response = await fetch(`${url}${variant.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-request-id": clientRequestId },
      body: JSON.stringify(variant.body),
    });
    const text = await response.text();
    return { name: variant.name, status: response.status, complete: variant.complete(text), ms: Date.now() - started };
  })();
  return Promise.race([attempt, Bun.sleep(limitMs).then(() => ({ name: variant.name, status: "hung" as const, complete: false, ms: limitMs }))]);
}

/** How many rows each client request id has in the database (read directly, not through the proxy). */
export async function rowCounts(store: Store, clientRequestIds: readonly string[]): Promise<Record<string, number>> {
  const rows = await store.usage.logs({}, 10_000);
  return Object.fromEntries(clientRequestIds.map((id) => [id, rows.filter((row) => row.clientRequestId === id).length]));
}
