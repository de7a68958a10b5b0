/**
 * Claude Code's WebSearch (the real CLI, pinned in package.json) on GPT through the gateway's
 * `openai` provider (S09, CC03): the main model, on Chat Completions, calls WebSearch; Claude
 * Code then sends a request of its own whose only tool is Anthropic's server web search, forced;
 * that request must reach the provider's Responses API as the hosted `web_search` tool, and the
 * search blocks that come back must reach the main model as the tool's result. Before, it went to
 * Chat with the tool removed and Claude Code reported no search.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeBin, claudeVersion } from "../support/claude-cli";
import { chatToolRoundTrip } from "../support/mock-agent";
import { type MockUpstream, type RecordedRequest, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway } from "../support/gateway-harness";

const version = claudeVersion();
if (!version) console.warn(`SKIP claude-code web search test: ${claudeBin} cannot run (is @anthropic-ai/claude-code installed for this platform?)`);
const maybe = version ? describe : describe.skip;

const query = "bun 2 release date";
const page = "https://bun.sh/blog/bun-v2";
const finalText = "Bun 2 was released, says the Bun blog.";

/** The hosted search's streamed answer: one web_search_call with its sources, then a cited text. */
function searchEvents(model: string) {
  const ev = (type: string, payload: Record<string, unknown>) => ({ event: type, data: { type, ...payload } });
  const search = { type: "web_search_call", id: "ws_cc", status: "completed", action: { type: "search", query, sources: [{ type: "url", url: page }] } };
  const text = "Bun 2 is out.";
  const message = { type: "message", id: "msg_cc", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [{ type: "url_citation", start_index: 0, end_index: 5, url: page, title: "Bun v2" }] }] };
  const usage = { input_tokens: 50, input_tokens_details: { cached_tokens: 0 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 59 };
  const response = { id: "resp_cc", object: "response", model, status: "in_progress", output: [] };
  return [
    ev("response.created", { response }),
    ev("response.output_item.added", { output_index: 0, item: { ...search, status: "in_progress", action: { type: "search", query } } }),
    ev("response.output_item.done", { output_index: 0, item: search }),
    ev("response.output_item.added", { output_index: 1, item: { ...message, status: "in_progress", content: [] } }),
    ev("response.output_text.delta", { output_index: 1, content_index: 0, delta: text }),
    ev("response.output_item.done", { output_index: 1, item: message }),
    ev("response.completed", { response: { ...response, status: "completed", output: [search, message], usage } }),
  ];
}

const asksHostedSearch = (request: RecordedRequest) => request.path.endsWith("/responses") && Array.isArray(request.body?.tools) && request.body.tools.some((tool: any) => tool.type === "web_search");

maybe(`Claude Code ${version ?? ""} WebSearch on the openai provider`, () => {
  let mock: MockUpstream;
  let scratch: string;
  beforeAll(async () => {
    mock = await startMockUpstream();
    scratch = mkdtempSync(join(tmpdir(), "claude-code-websearch-"));
  });
  afterAll(async () => {
    await mock.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test("the search request reaches /v1/responses with the hosted web_search, and its results reach the main model", async () => {
    const toml = join(scratch, "gateway.toml");
    writeFileSync(
      toml,
      ["[providers.openai]", 'kind = "openai"', `base_url = "${mock.openaiBaseUrl}"`, 'api_keys = ["sk-mock-openai-key"]', "", "[routing]", 'aliases = ["claude*=>openai:mock-gpt"]'].join("\n"),
    );
    const gw = await startTestGateway(undefined, { TOKLIGENCE_CONFIG: toml });
    const agent = chatToolRoundTrip({ calls: [{ id: "call_websearch_1", tool: "WebSearch", input: { query } }], finalText });
    mock.setResponder((request) => (asksHostedSearch(request) ? { events: searchEvents(String(request.body.model)) } : agent(request)));
    const first = mock.requests.length;
    const box = { work: join(scratch, "work"), home: join(scratch, "home"), conf: join(scratch, "conf") };
    for (const dir of Object.values(box)) mkdirSync(dir, { recursive: true });
    try {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: box.home,
        CLAUDE_CONFIG_DIR: box.conf,
        ANTHROPIC_BASE_URL: gw.url,
        ANTHROPIC_API_KEY: "gateway-test-key",
        DISABLE_AUTOUPDATER: "1",
        DISABLE_TELEMETRY: "1",
        CLAUDE_CODE_MAX_RETRIES: "0",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: "1",
      };
      const args = ["-p", `Search the web: ${query}`, "--model", "claude-sonnet-4-6", "--output-format", "json", "--tools", "WebSearch", "--allowedTools", "WebSearch", "--no-session-persistence", "--max-turns", "4"];
      const child = Bun.spawn([claudeBin, ...args], { cwd: box.work, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const killer = setTimeout(() => child.kill(), 50_000);
      const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
      clearTimeout(killer);
      const diagnostics = `exit ${exitCode}\nstdout: ${stdout.slice(0, 2000)}\nstderr: ${stderr.slice(0, 2000)}\npaths: ${mock.requests.slice(first).map((r) => r.path)}`;
      const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
      expect({ exitCode, isError: result.is_error, result: result.result }, diagnostics).toEqual({ exitCode: 0, isError: false, result: finalText });
      // Claude Code counted the search from the answer's usage.server_tool_use (it said 0 before).
      expect(result.modelUsage?.["claude-sonnet-4-6"]?.webSearchRequests, diagnostics).toBe(1);

      const requests = mock.requests.slice(first);
      const searches = requests.filter(asksHostedSearch);
      expect(searches, diagnostics).toHaveLength(1);
      expect(searches[0]!.body).toMatchObject({ model: "mock-gpt", stream: true, tool_choice: "required", tools: [{ type: "web_search" }] });
      expect(searches[0]!.body.include).toContain("web_search_call.action.sources");
      // The main model's turns stayed on Chat; its last turn holds WebSearch's result with the page found.
      const chatTurns = requests.filter((request) => request.path === "/v1/chat/completions" && JSON.stringify(request.body.tools ?? []).includes("WebSearch"));
      expect(chatTurns.length).toBe(2);
      const toolResult = chatTurns[1]!.body.messages.find((message: any) => message.role === "tool");
      expect(JSON.stringify(toolResult.content), diagnostics).toContain(page);
      const rows = gw.ledger.entries.filter((row) => row.upstreamProtocol === "openai-responses");
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ provider: "openai", status: 200 });
    } finally {
      mock.setResponder(undefined);
      await gw.stop();
    }
  }, 60_000);
});
