/**
 * What the real Codex CLI shows of translated stream events it reads closely: Claude's server
 * web search (a `web_search_call` item Codex prints as "web search: <query>"), and a Chat
 * upstream's mid-stream error chunk with a numeric code (OpenRouter's shape), whose message
 * Codex can show only if `response.failed` carries a string code.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { describeWhenCodexRuns, runCodexExec } from "../support/codex-cli";
import { anthropicToolResults } from "../support/mock-agent";
import { defaultAnthropicEvents, type MockUpstream, startMockUpstream } from "../support/mock-upstream";

const describeIfCodex = describeWhenCodexRuns("codex-translated-events compat");

let mock: MockUpstream | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await mock?.stop();
  gw = undefined;
  mock = undefined;
});

const event = (type: string, payload: object) => ({ event: type, data: { type, ...payload } });

/** Claude searches (its query streamed in two pieces), reads one page, then runs a command. */
function searchThenCommand(model: string) {
  return [
    event("message_start", { message: { id: "msg_search", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } }),
    event("content_block_start", { index: 0, content_block: { type: "server_tool_use", id: "srvtoolu_codex", name: "web_search", input: {} } }),
    event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"query":"oslo ' } }),
    event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: 'weather today"}' } }),
    event("content_block_stop", { index: 0 }),
    event("content_block_start", { index: 1, content_block: { type: "web_search_tool_result", tool_use_id: "srvtoolu_codex", content: [{ type: "web_search_result", title: "Yr", url: "https://yr.no/oslo", encrypted_content: "EC", page_age: null }] } }),
    event("content_block_stop", { index: 1 }),
    event("content_block_start", { index: 2, content_block: { type: "tool_use", id: "toolu_after_search", name: "exec_command", input: {} } }),
    event("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: '{"cmd":"echo searched"}' } }),
    event("content_block_stop", { index: 2 }),
    event("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 12, server_tool_use: { web_search_requests: 1 } } }),
    event("message_stop", {}),
  ];
}

describeIfCodex("Codex CLI reading translated stream events", () => {
  test("Claude's web search is shown as Codex's web search, and the turn goes on to its tool call", async () => {
    mock = await startMockUpstream();
    mock.setResponder((request) => {
      if (request.path !== "/v1/messages") return undefined;
      const model = String(request.body.model);
      return { events: anthropicToolResults(request).length > 0 ? defaultAnthropicEvents(model, "It is cold in Oslo.") : searchThenCommand(model) };
    });
    gw = await startTestGateway(mock, { TOKLIGENCE_OPENAI_API_KEY: "", TOKLIGENCE_MODEL_ALIASES: "gpt-5.5=>anthropic:claude-sonnet-4-6" });
    const run = await runCodexExec({ gatewayUrl: gw.url, prompt: "What is the weather in Oslo?", configOverrides: ['web_search="live"'], timeoutMs: 40_000 });
    const diagnostics = `exit ${run.exitCode}\nstderr:\n${run.stderr.slice(-3000)}`;
    expect(run.exitCode, diagnostics).toBe(0);
    expect(run.stderr, diagnostics).toContain("web search: oslo weather today");
    expect(run.stdout).toContain("It is cold in Oslo.");
    const turns = mock.requests.filter((request) => request.path === "/v1/messages");
    expect(turns).toHaveLength(2);
    expect(turns[0]!.body.tools.some((tool: { type?: string }) => String(tool.type).startsWith("web_search_"))).toBe(true);
    // The search itself is not replayed to Claude (its pages cannot be); the call and its result are.
    const replayed = JSON.stringify(turns[1]!.body.messages);
    expect(replayed).not.toContain("server_tool_use");
    expect(replayed).toContain("toolu_after_search");
  }, 55_000);

  test("a Chat upstream's mid-stream error with a numeric code: Codex shows the upstream's message, not a parse failure", async () => {
    mock = await startMockUpstream();
    const chunk = (payload: object) => ({ data: { id: "chatcmpl-err", object: "chat.completion.chunk", created: 1, model: "m", ...payload } });
    mock.setResponder((request) =>
      request.path.endsWith("/chat/completions")
        ? { events: [chunk({ choices: [{ index: 0, delta: { role: "assistant", content: "par" }, finish_reason: null }] }), { data: { error: { code: 502, message: "Provider returned error: the model went away" } } }] }
        : undefined,
    );
    gw = await startTestGateway(mock, { TOKLIGENCE_OPENAI_API_KEY: "", ...chatOnlyProviderEnv(mock.openaiBaseUrl, "gpt-5.5") });
    const run = await runCodexExec({ gatewayUrl: gw.url, prompt: "Say hello.", timeoutMs: 40_000 });
    const diagnostics = `exit ${run.exitCode}\nstderr:\n${run.stderr.slice(-3000)}`;
    expect(run.exitCode, diagnostics).toBe(1);
    expect(run.stderr, diagnostics).toContain("Provider returned error: the model went away");
    expect(run.stderr).not.toContain("response.failed event received");
  }, 55_000);
});
