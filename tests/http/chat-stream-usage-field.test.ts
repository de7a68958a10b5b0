import { expect, test } from "bun:test";
import { defaultChatEvents } from "../support/mock-upstream";
import { readSse, useMockedGateway } from "../support/gateway-harness";

/**
 * OpenAI's chunk `usage` field is "only present when you set stream_options: {include_usage:
 * true}" (API reference), null in every chunk but the last. The gateway asks for usage itself
 * (for the ledger); a client that did not ask must see the chunks OpenAI would have sent it.
 */
const running = useMockedGateway();

/** What OpenAI streams with include_usage: `usage: null` on every chunk, then the usage chunk. */
function openaiEventsWithUsage(model: string) {
  return defaultChatEvents(model, "one two", true)!.map((event) => {
    if (typeof event === "string" || typeof event.data !== "object" || event.data === null) return event;
    const chunk = event.data as { usage?: unknown };
    return { data: { ...chunk, usage: chunk.usage ?? null } };
  });
}

const chunksOf = async (response: Response) => (await readSse(response)).filter((event) => event.raw !== "[DONE]").map((event) => event.data);
const stream = (model: string, extra: Record<string, unknown> = {}) =>
  fetch(`${running.gw.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "hi" }], ...extra }) });

test("a native stream the client asked without include_usage has no usage field, as from OpenAI directly", async () => {
  running.mock.enqueue({ events: openaiEventsWithUsage("gpt-4o") });
  const chunks = await chunksOf(await stream("gpt-4o"));
  expect(chunks.length).toBeGreaterThan(2);
  for (const chunk of chunks) expect("usage" in chunk).toBe(false);
  expect(running.gw.ledger.entries.at(-1)!.usage.outputTokens).toBe(7);
});

test("with include_usage the client gets OpenAI's chunks as sent: usage null, then the usage chunk", async () => {
  running.mock.enqueue({ events: openaiEventsWithUsage("gpt-4o") });
  const chunks = await chunksOf(await stream("gpt-4o", { stream_options: { include_usage: true } }));
  expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  expect(chunks.at(-1)!.usage.completion_tokens).toBe(7);
});

test("loopback streams follow the same rule", async () => {
  for (const chunk of await chunksOf(await stream("loopback"))) expect("usage" in chunk).toBe(false);
  const asked = await chunksOf(await stream("loopback", { stream_options: { include_usage: true } }));
  expect(asked.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  expect(asked.at(-1)!.choices).toEqual([]);
});
