/**
 * The settings a translated Responses answer echoes (R10): `tool_choice` and `tools` as the
 * client sent them, as OpenAI echoes them, although the upstream got the tools narrowed by
 * `allowed_tools` and only the choice's mode.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, readSse, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

const strictTool = { type: "function", name: "read", description: "Read a file", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"], additionalProperties: false }, strict: true };
const looseTool = { type: "function", name: "ls", parameters: { type: "object", properties: { path: { type: "string" } } } };
const toolChoice = { type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "read" }] };

describe("Responses echo of tools and tool_choice on translated upstreams", () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    mock = await startMockUpstream();
    gw = await startTestGateway(mock, chatOnlyProviderEnv(mock.openaiBaseUrl));
  });
  afterAll(async () => {
    await gw.stop();
    await mock.stop();
  });

  for (const model of ["claude-test", "chat-1"]) {
    for (const stream of [false, true]) {
      test(`${model}, stream: ${stream}: allowed_tools and every declared tool come back, strict as sent`, async () => {
        const answer = await fetch(`${gw.url}/v1/responses`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model, input: "read it", tools: [strictTool, looseTool], tool_choice: toolChoice, store: false, stream }),
        });
        expect(answer.status).toBe(200);
        const objects = stream ? (await readSse(answer)).filter((event) => event.data?.response).map((event) => event.data.response) : [await answer.json()];
        // response.created, response.in_progress and the terminal event all echo the same settings.
        for (const response of objects) {
          expect(response.tool_choice).toEqual(toolChoice);
          expect(response.tools).toEqual([strictTool, { ...looseTool, strict: false }]);
        }
        // The upstream itself got only the allowed tool, forced.
        const sent = mock.requests.at(-1)!.body;
        const sentNames = (sent.tools as any[]).map((tool) => tool.name ?? tool.function?.name);
        expect(sentNames).toEqual(["read"]);
        expect(sent.tool_choice).toEqual(model === "claude-test" ? { type: "any" } : "required");
      });
    }
  }
});
