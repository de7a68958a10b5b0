/**
 * An OpenAI model declining a request (Chat `refusal`) as the real agent clients see it through
 * the gateway. OpenAI's refusal is the model's answer to one request, the turn ends normally
 * (`finish_reason: "stop"`), and the conversation goes on. Anthropic's `stop_reason: "refusal"`
 * is another thing: its classifiers stopped the answer, and Claude Code then shows "API Error:
 * … can't help with this. Start a new session to continue." without the model's words. So
 * Claude Code must get the refusal as the answer's text with `end_turn`, and Codex a completed
 * response, not an incomplete one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeVersion, runClaudePrint } from "../support/claude-cli";
import { codexVersion, runCodexExec } from "../support/codex-cli";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

const claude = claudeVersion();
const codex = codexVersion();
const refusal = "I'm sorry, but I can't help with that request.";

/** A streamed Chat answer that is only a refusal, as OpenAI sends one. */
function refusalChunks(model: string) {
  const base = { id: "chatcmpl-refusal", object: "chat.completion.chunk", created: 1700000000, model };
  return [
    { data: { ...base, choices: [{ index: 0, delta: { role: "assistant", content: null, refusal: "" }, finish_reason: null }] } },
    { data: { ...base, choices: [{ index: 0, delta: { refusal }, finish_reason: null }] } },
    { data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] } },
    { data: { ...base, choices: [], usage: { prompt_tokens: 20, completion_tokens: 12, total_tokens: 32 } } },
    { data: "[DONE]" },
  ];
}

let scratch: string;
let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "openai-refusal-"));
  mock = await startMockUpstream();
  mock.setResponder((request) => (request.path.endsWith("/chat/completions") ? { events: refusalChunks(String(request.body.model)) } : undefined));
  const toml = join(scratch, "refusal.toml");
  writeFileSync(toml, ["[providers.mockchat]", 'kind = "openai-compatible"', `base_url = "${mock.openaiBaseUrl}"`, 'api_keys = ["sk-mock-chat-key"]', "", "[routing]", 'aliases = ["claude*=>mockchat:gpt-agent", "gpt-5.5=>mockchat:gpt-agent"]'].join("\n"));
  gw = await startTestGateway(undefined, { TOKLIGENCE_CONFIG: toml });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe("an OpenAI model's refusal in the agent clients", () => {
  (claude ? test : test.skip)("Claude Code shows the refusal as the model's answer, not as a policy stop that ends the session", async () => {
    const run = await runClaudePrint({ gatewayUrl: gw.url, apiKey: "gateway-test-key", prompt: "Do the forbidden thing.", env: { CLAUDE_CODE_MAX_RETRIES: "0" } });
    expect(run.result, `stdout: ${run.stdout.slice(0, 1500)}\nstderr: ${run.stderr.slice(0, 1500)}`).toMatchObject({ is_error: false, result: refusal, stop_reason: "end_turn" });
  }, 60_000);

  (codex.problem ? test.skip : test)("Codex shows it as the answer of a completed turn", async () => {
    const run = await runCodexExec({ gatewayUrl: gw.url, prompt: "Do the forbidden thing.", timeoutMs: 40_000 });
    const diagnostics = `exit ${run.exitCode}\nstderr:\n${run.stderr.slice(-2000)}`;
    expect(run.exitCode, diagnostics).toBe(0);
    expect(run.stdout, diagnostics).toContain(refusal);
  }, 55_000);
});
