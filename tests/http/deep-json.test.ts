/**
 * JSON nested past any real request's depth (a tool schema thousands of levels deep) is a 400 at
 * the envelope, naming the field, in the caller's protocol: the translators and token estimators
 * walk schemas and content recursively, and such a body overflowed their stack into a 500
 * "internal gateway error" (found by bad-input-fuzz.test.ts). Depth a real schema has still passes.
 */
import { describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";

const running = useMockedGateway((mock) => ({ TOKLIGENCE_ROUTES: "xgpt*=>anthropic,xclaude*=>openai", ...chatOnlyProviderEnv(mock.openaiBaseUrl) }));

/** A JSON schema `levels` objects deep (two JSON levels each), as text: JSON.stringify would recurse as deep. */
const deepSchema = (levels: number) => '{"type":"object","properties":{"x":'.repeat(levels) + '{"type":"string"}' + "}}".repeat(levels);

const post = (path: string, body: string) => fetch(`${running.gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });

const cases = (schema: string): Array<{ path: string; body: string; param: string }> => [
  { path: "/v1/chat/completions", param: "tools", body: `{"model":"xgpt-4.1","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${schema}}}]}` },
  { path: "/v1/chat/completions", param: "response_format", body: `{"model":"chat-model","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":${schema}}}}` },
  { path: "/v1/responses", param: "tools", body: `{"model":"chat-model","input":"hi","tools":[{"type":"function","name":"f","parameters":${schema}}]}` },
  { path: "/v1/responses", param: "text", body: `{"model":"loopback","input":"hi","text":{"format":{"type":"json_schema","name":"a","schema":${schema}}}}` },
  { path: "/v1/responses/input_tokens", param: "tools", body: `{"model":"chat-model","input":"hi","tools":[{"type":"function","name":"f","parameters":${schema}}]}` },
  { path: "/v1/messages", param: "tools", body: `{"model":"xclaude-sonnet","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":${schema}}]}` },
  { path: "/v1/messages/count_tokens", param: "tools", body: `{"model":"chat-model","messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":${schema}}]}` },
];

describe("JSON nested too deep", () => {
  test("is a 400 naming the field, in the caller's shape, with its ledger row, and nothing goes upstream", async () => {
    const { mock, gw } = running;
    for (const { path, body, param } of cases(deepSchema(20_000))) {
      const sent = mock.requests.length;
      const rows = gw.ledger.entries.length;
      const response = await post(path, body);
      const answer = (await response.json()) as any;
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      if (path.startsWith("/v1/messages")) {
        expect(answer).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
      } else {
        expect(answer.error).toMatchObject({ type: "invalid_request_error", param });
      }
      expect(answer.error.message).toContain(`'${param}'`);
      expect(answer.error.message).toContain("nested more than 128 levels");
      expect(mock.requests.length).toBe(sent);
      expect(gw.ledger.entries.length).toBe(rows + 1);
      expect(gw.ledger.entries.at(-1)).toMatchObject({ status: 400, errorCode: "invalid_request" });
    }
  });

  test("the limit counts levels of the whole body: just under it passes, just over is refused", async () => {
    // The body is level 1, tools 2, its item 3, function 4, parameters 5, and each schema object
    // two more (properties, then the next object): n objects and the leaf reach 2n + 5.
    const under = cases(deepSchema(61))[0]!; // 127 levels
    expect((await post(under.path, under.body)).status).toBe(200);
    const over = cases(deepSchema(62))[0]!; // 129 levels
    expect((await post(over.path, over.body)).status).toBe(400);
  });
});
