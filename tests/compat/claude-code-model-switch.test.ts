/**
 * Claude Code (the real CLI) moving a session from a reasoning Chat model (DeepSeek style:
 * `reasoning_content`, which Claude Code keeps as thinking blocks with an empty signature) to a
 * Claude model served natively. Claude Code replays those blocks verbatim, and Anthropic refuses
 * any thinking block it did not sign, so the native request must go without them (K06).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeBin, claudeVersion } from "../support/claude-cli";
import { chatToolCallEvents, chatToolResults } from "../support/mock-agent";
import { defaultAnthropicEvents, defaultChatEvents, type MockUpstream, type RecordedRequest, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

const version = claudeVersion();
if (!version) console.warn("SKIP claude-code model-switch compat test: the claude binary cannot run here");
const maybe = version ? describe : describe.skip;

let scratch: string;
let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "claude-switch-"));
  mock = await startMockUpstream();
  const toml = join(scratch, "switch.toml");
  // Sonnet names go to a reasoning Chat model; other Claude names to Anthropic (the mock) natively.
  writeFileSync(toml, ["[providers.mockchat]", 'kind = "openai-compatible"', `base_url = "${mock.openaiBaseUrl}"`, 'api_keys = ["sk-mock-chat-key"]', "", "[providers.anthropic]", `base_url = "${mock.url}"`, 'api_keys = ["sk-ant-mock-key-123456"]', "", "[routing]", 'aliases = ["claude-sonnet*=>mockchat:deepseek-reasoner"]'].join("\n"));
  gw = await startTestGateway(undefined, { TOKLIGENCE_CONFIG: toml });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The Chat model thinks (reasoning_content) before each answer: a Bash call, then a text. */
function reasoningChatModel(request: RecordedRequest) {
  const model = String(request.body.model);
  if (request.path.endsWith("/messages")) return { events: defaultAnthropicEvents(model, "Now on Claude.") };
  if (!request.path.endsWith("/chat/completions")) return undefined;
  const thought = { data: { id: "chatcmpl-think", object: "chat.completion.chunk", created: 1700000000, model, choices: [{ index: 0, delta: { role: "assistant", reasoning_content: "I will run echo." }, finish_reason: null }] } };
  if (chatToolResults(request).length > 0) return { events: [thought, ...defaultChatEvents(model, "The command ran.", true)!.slice(1)] };
  const call = chatToolCallEvents(model, [{ id: "call_switch_echo", tool: "Bash", input: { command: "echo switched", description: "echo" } }])!;
  return { events: [call[0]!, thought, ...call.slice(1)] };
}

maybe(`Claude Code ${version ?? ""} switching from a reasoning Chat model to Claude`, () => {
  test("the session's unsigned thinking is left out of the native Claude request; the tool history stays", async () => {
    mock.setResponder(reasoningChatModel);
    const dirs = { work: join(scratch, "work"), home: join(scratch, "home"), conf: join(scratch, "conf") };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dirs.home, CLAUDE_CONFIG_DIR: dirs.conf, ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_API_KEY: "gateway-test-key", DISABLE_AUTOUPDATER: "1", DISABLE_TELEMETRY: "1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: "1", CLAUDE_CODE_MAX_RETRIES: "0" };
    // The session is kept on disk (no --no-session-persistence) so --continue resumes it on the other model.
    const claude = async (...args: string[]) => {
      const child = Bun.spawn([claudeBin, "-p", ...args, "--output-format", "json", "--bare", "--tools", "Bash", "--allowedTools", "Bash(echo:*)"], { cwd: dirs.work, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const killer = setTimeout(() => child.kill(), 30_000);
      const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
      clearTimeout(killer);
      const result = stdout.split("\n").map((line) => { try { return JSON.parse(line); } catch { return undefined; } }).findLast((line) => line?.type === "result");
      return { result, diagnostics: `stdout: ${stdout.slice(0, 1500)}\nstderr: ${stderr.slice(0, 1500)}` };
    };
    try {
      const first = await claude("run echo", "--model", "claude-sonnet-4-6");
      expect(first.result, first.diagnostics).toMatchObject({ is_error: false, result: "The command ran." });
      const second = await claude("and now?", "--continue", "--model", "claude-opus-4-5");
      expect(second.result, second.diagnostics).toMatchObject({ is_error: false, result: "Now on Claude." });

      const native = mock.requests.filter((request) => request.path === "/v1/messages");
      expect(native).toHaveLength(1);
      const messages: any[] = native[0]!.body.messages;
      const blocks = messages.flatMap((message) => (Array.isArray(message.content) ? message.content : []));
      expect(blocks.filter((block) => block.type === "thinking")).toEqual([]);
      expect(blocks.find((block) => block.type === "tool_use")).toMatchObject({ id: "call_switch_echo", name: "Bash" });
      expect(blocks.find((block) => block.type === "tool_result")).toMatchObject({ tool_use_id: "call_switch_echo" });
    } finally {
      mock.setResponder(undefined);
    }
  }, 60_000);
});
