/**
 * Legacy Chat function calling (`functions`, `function_call`, `role:"function"`) end to end: on
 * loopback (checked by the same decoder as translated routes), and natively (forwarded untouched).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream();
  // claude-as-gpt is a Chat model served by the Anthropic upstream; other gpt* names are native.
  gw = await startTestGateway(mock, { TOKLIGENCE_ROUTES: "gpt-claude*=>anthropic,gpt*=>openai" });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const post = (body: unknown) => fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const weather = { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } };
const history = [
  { role: "user", content: "Weather in Paris?" },
  { role: "assistant", content: null, function_call: { name: "get_weather", arguments: '{"city":"Paris"}' } },
  { role: "function", name: "get_weather", content: "18°C" },
  { role: "user", content: "And in Rome?" },
];

describe("legacy function calling elsewhere", () => {
  test("loopback accepts a history with function results (OpenAI does) instead of refusing the role", async () => {
    const response = await post({ model: "loopback", functions: [weather], messages: history });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).choices[0].message.content).toBe("[loopback] And in Rome?");
  });

  test("native passthrough forwards the legacy fields untouched", async () => {
    const body = { model: "gpt-4o", functions: [weather], function_call: { name: "get_weather" }, messages: history };
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(mock.requests.at(-1)!.body).toEqual(body);
  });
});
