import { describe, expect, test } from "bun:test";
import { readSse, useMockedGateway } from "../support/gateway-harness";
import { defaultAnthropicEvents } from "../support/mock-upstream";

/**
 * K10 through the gateway, Claude upstream (the mock): Chat clients see the thinking as
 * reasoning_content unless the operator says otherwise, globally or per model; Responses clients
 * that ask for no summary still get the reasoning item, for replay, with an empty summary.
 */
const running = useMockedGateway({
  // Global default kept (exposed); this one model's reasoning is hidden.
  TOKLIGENCE_ROUTES: "claude*=>anthropic,quiet_*=>anthropic",
  TOKLIGENCE_MODELS__QUIET_CLAUDE__EXPOSE_REASONING: "false",
});

const thinkingAnswer = (model: string) => ({
  id: "msg_k10", type: "message", role: "assistant", model,
  content: [{ type: "thinking", thinking: "private chain of thought", signature: "sig-k10" }, { type: "text", text: "42" }],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 9, output_tokens: 4 },
});

function thinkingEvents(model: string) {
  const [start, ...rest] = defaultAnthropicEvents(model, "42")!;
  return [
    start!,
    { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } } },
    { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "private chain of thought" } } },
    { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig-k10" } } },
    { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
    // The text block moves up one index.
    ...rest.map((e: any) => (typeof e === "object" && e.data?.index === 0 ? { ...e, data: { ...e.data, index: 1 } } : e)),
  ];
}

const post = (path: string, body: unknown) => fetch(`${running.gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("K10 Chat clients", () => {
  test("default: Claude's thinking reaches a Chat client as reasoning_content, non-stream and stream", async () => {
    running.mock.enqueue({ json: thinkingAnswer("claude-sonnet-4-5") });
    const json = (await (await post("/v1/chat/completions", { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "q" }] })).json()) as any;
    expect(json.choices[0].message.reasoning_content).toBe("private chain of thought");
    running.mock.enqueue({ events: thinkingEvents("claude-sonnet-4-5") });
    const events = await readSse(await post("/v1/chat/completions", { model: "claude-sonnet-4-5", stream: true, messages: [{ role: "user", content: "q" }] }));
    expect(events.map((e) => e.raw).join("")).toContain("reasoning_content");
  });

  test("[models] expose_reasoning = false: no reasoning_content, non-stream and stream; the answer is whole", async () => {
    running.mock.enqueue({ json: thinkingAnswer("quiet_claude") });
    const json = (await (await post("/v1/chat/completions", { model: "quiet_claude", messages: [{ role: "user", content: "q" }] })).json()) as any;
    expect(json.choices[0].message.content).toBe("42");
    expect(JSON.stringify(json)).not.toContain("private chain of thought");
    expect(json.choices[0].message.reasoning_content).toBeUndefined();
    running.mock.enqueue({ events: thinkingEvents("quiet_claude") });
    const events = await readSse(await post("/v1/chat/completions", { model: "quiet_claude", stream: true, messages: [{ role: "user", content: "q" }] }));
    const raw = events.map((e) => e.raw).join("");
    expect(raw).not.toContain("private chain of thought");
    expect(raw).not.toContain("reasoning_content");
    expect(events.map((e) => e.data?.choices?.[0]?.delta?.content ?? "").join("")).toBe("42");
  });
});

describe("K10 Responses clients without reasoning.summary", () => {
  const request = (stream: boolean) => ({ model: "claude-sonnet-4-5", stream, input: "q", reasoning: { effort: "high" }, include: ["reasoning.encrypted_content"] });

  test("non-stream: the reasoning item comes back with an empty summary and its replay blob", async () => {
    running.mock.enqueue({ json: thinkingAnswer("claude-sonnet-4-5") });
    const json = (await (await post("/v1/responses", request(false))).json()) as any;
    const reasoning = json.output.find((item: any) => item.type === "reasoning");
    expect(reasoning.summary).toEqual([]);
    expect(typeof reasoning.encrypted_content).toBe("string");
    expect(JSON.stringify(json.output)).not.toContain("private chain of thought");
    expect(json.output.at(-1).content[0].text).toBe("42");
  });

  test("stream: no summary events, the reasoning item done with an empty summary", async () => {
    running.mock.enqueue({ events: thinkingEvents("claude-sonnet-4-5") });
    const events = await readSse(await post("/v1/responses", request(true)));
    expect(events.some((e) => String(e.event).startsWith("response.reasoning_summary"))).toBe(false);
    const done = events.find((e) => e.event === "response.output_item.done" && e.data.item.type === "reasoning")!;
    expect(done.data.item.summary).toEqual([]);
    expect(typeof done.data.item.encrypted_content).toBe("string");
  });
});
