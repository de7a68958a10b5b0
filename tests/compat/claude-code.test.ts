/**
 * Claude Code (the real CLI, pinned in package.json) doing a tool task through a running gateway
 * whose upstream is the scripted mock speaking an OpenAI protocol: Chat Completions (issue 3) or
 * Responses only (issue 4). The mock plays an agent (tests/support/mock-agent.ts) that calls
 * Claude Code's Write tool with arguments streamed in fragments, then finishes with a text once
 * the tool result comes back; side requests without the Write tool get the default text.
 * Claude Code really executes the tool, so the file on disk proves the whole round trip.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chatToolRoundTrip, responsesToolRoundTrip, splitInPieces, type ToolRoundTrip } from "../support/mock-agent";
import { type MockResponder, type MockUpstream, mockUsage, type RecordedRequest, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway } from "../support/gateway-harness";

const claudeBin = resolve(import.meta.dir, "../../node_modules/.bin/claude");

/** Skip only when the binary cannot run at all (not installed, wrong platform); any other failure is a test failure. */
function claudeVersion(): string | undefined {
  const probe = spawnSync(claudeBin, ["--version"], { encoding: "utf8", timeout: 30_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir() } });
  if (probe.status !== 0) return undefined;
  return probe.stdout.trim();
}
const version = claudeVersion();
if (!version) console.warn(`SKIP claude-code compat tests: ${claudeBin} cannot run (is @anthropic-ai/claude-code installed for this platform?)`);
const maybe = version ? describe : describe.skip;

interface ClaudeRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The stream-json lines Claude Code printed (with partial messages: the raw stream events it received). */
  events: any[];
  /** The final `type:"result"` line. */
  result: any;
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "claude-code-compat-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

interface Sandbox {
  workdir: string;
  home: string;
  conf: string;
}

/** A fresh HOME, CLAUDE_CONFIG_DIR and working directory per run, so no user config or credential is read. */
function makeSandbox(name: string): Sandbox {
  const root = mkdtempSync(join(scratch, `${name}-`));
  const box = { workdir: join(root, "work"), home: join(root, "home"), conf: join(root, "conf") };
  for (const dir of Object.values(box)) mkdirSync(dir, { recursive: true });
  return box;
}

/**
 * Run `claude -p` env -i style (only the variables below) against the gateway. `lean` applies the
 * determinism knobs of notes/clients.md (only the Write tool, no experimental betas, no
 * non-essential traffic); without it Claude Code sends its default request surface.
 */
async function runClaude(box: Sandbox, gatewayUrl: string, prompt: string, model: string, lean = true): Promise<ClaudeRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: box.home,
    CLAUDE_CONFIG_DIR: box.conf,
    ANTHROPIC_BASE_URL: gatewayUrl,
    ANTHROPIC_API_KEY: "gateway-test-key",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
    ...(lean ? { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: "1" } : {}),
  };
  const child = Bun.spawn(
    [claudeBin, "-p", prompt, "--model", model, "--output-format", "stream-json", "--verbose", "--include-partial-messages", ...(lean ? ["--tools", "Write"] : []), "--permission-mode", "acceptEdits", "--no-session-persistence", "--max-turns", "4"],
    { cwd: box.workdir, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  // An outer limit so a hung client fails the test instead of hanging the runner.
  const killer = setTimeout(() => child.kill(), 50_000);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(killer);
  const events = stdout
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return { unparsed: line };
      }
    });
  return { exitCode, stdout, stderr, events, result: events.findLast((e) => e.type === "result") };
}

/** Claude Code's own system prompt opens with this (2.1.329 and 2.1.330); it must reach the upstream intact. */
const systemPromptOpening = "You are a Claude agent";
const prompt = "Create the file notes.txt in the current directory.";

/** The task the mock agent performs: one Write call, then a final text. */
interface WriteTask {
  filePath: string;
  content: string;
  finalText: string;
  callId: string;
  /** What the agent says before the call (Chat upstream only). */
  preamble?: string;
  trip: ToolRoundTrip;
  /** The arguments' JSON as the upstream streams it. */
  fragments: string[];
}

const argumentPieces = 5;

function newTask(box: Sandbox, callId: string, preamble?: string): WriteTask {
  // A newline, quotes and a non-ASCII character: the fragments cut through JSON escapes.
  const filePath = join(box.workdir, "notes.txt");
  const content = 'first line\nsecond "quoted" line — ü\n';
  const finalText = "Done: notes.txt is written.";
  const input = { file_path: filePath, content };
  const trip: ToolRoundTrip = { calls: [{ id: callId, tool: "Write", input }], finalText, shape: { preamble, argumentPieces } };
  return { filePath, content, finalText, callId, preamble, trip, fragments: splitInPieces(JSON.stringify(input), argumentPieces) };
}

/** What the client must show once the task is done: exit 0, the file, and the model's final words. */
function expectTaskDone(run: ClaudeRun, task: WriteTask): void {
  const diagnostics = `exit ${run.exitCode}\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(0, 2000)}`;
  expect(run.result, diagnostics).toBeDefined();
  expect({ exitCode: run.exitCode, isError: run.result.is_error, result: run.result.result }, diagnostics).toEqual({ exitCode: 0, isError: false, result: task.finalText });
  expect(run.result.num_turns).toBe(2);
  expect(existsSync(task.filePath), diagnostics).toBe(true);
  expect(readFileSync(task.filePath, "utf8")).toBe(task.content);
}

/**
 * The Anthropic stream the gateway produced, as Claude Code received it (its partial-message
 * events): per turn one message_start … message_stop; the tool call's arguments arrive as one
 * input_json_delta per upstream fragment (streamed as they came, not buffered), stop reasons and
 * output usage carried over.
 */
function expectAnthropicStreams(run: ClaudeRun, task: WriteTask): void {
  const events = run.events.filter((e) => e.type === "stream_event").map((e) => e.event);
  const turns: any[][] = [];
  for (const event of events) {
    if (event.type === "message_start") turns.push([]);
    turns.at(-1)?.push(event);
  }
  expect(turns).toHaveLength(2);
  const [callTurn, finalTurn] = turns as [any[], any[]];
  for (const turn of turns) {
    expect(turn[0].type).toBe("message_start");
    expect(turn.at(-1).type).toBe("message_stop");
    expect(turn.at(-2).type).toBe("message_delta");
    expect(turn.at(-2).usage.output_tokens).toBe(mockUsage.output);
  }
  const toolStart = callTurn.find((e) => e.type === "content_block_start" && e.content_block.type === "tool_use");
  expect(toolStart.content_block).toMatchObject({ id: task.callId, name: "Write" });
  const fragments = callTurn.filter((e) => e.type === "content_block_delta" && e.index === toolStart.index).map((e) => e.delta);
  expect(fragments.every((d) => d.type === "input_json_delta")).toBe(true);
  expect(fragments.map((d) => d.partial_json)).toEqual(task.fragments);
  const preamble = callTurn.filter((e) => e.type === "content_block_delta" && e.delta.type === "text_delta").map((e) => e.delta.text).join("");
  expect(preamble).toBe(task.preamble ?? "");
  if (task.preamble) expect(callTurn.find((e) => e.type === "content_block_start").content_block.type).toBe("text");
  expect(callTurn.at(-2).delta.stop_reason).toBe("tool_use");
  const text = finalTurn.filter((e) => e.type === "content_block_delta" && e.delta.type === "text_delta").map((e) => e.delta.text).join("");
  expect(text).toBe(task.finalText);
  expect(finalTurn.at(-2).delta.stop_reason).toBe("end_turn");
}

/** Requests that carried the Write tool, in order; side calls (titles, quota checks) are ignored whatever their order. */
function agentRequests(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => Array.isArray(r.body?.tools) && r.body.tools.some((t: any) => (t.function?.name ?? t.name) === "Write"));
}

maybe(`Claude Code ${version ?? ""} through the gateway`, () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(async () => {
    await mock.stop();
  });

  const chatAgent = (task: WriteTask) => chatToolRoundTrip(task.trip);
  /** A Responses-only upstream: the agent on /v1/responses, 404 on every other path. */
  /** The reasoning a gpt-5-like model sends ahead of its call; the next turn must hand it back (K09). */
  const upstreamReasoning = { id: "rs_agent_1", summary: "I should write the file.", encryptedContent: "gAAAAB-mock-encrypted-reasoning==" };
  const responsesOnlyAgent = (task: WriteTask): MockResponder => {
    const agent = responsesToolRoundTrip({ ...task.trip, shape: { ...task.trip.shape, reasoning: upstreamReasoning } });
    return (request) =>
      request.path.endsWith("/responses") ? agent(request) : { status: 404, json: { error: { message: `this upstream only serves /v1/responses, not ${request.path}`, type: "invalid_request_error" } } };
  };

  /** Every Claude model name goes to an OpenAI-compatible (Chat Completions) provider: the mock. */
  const chatUpstreamToml = () => ["[providers.mockchat]", 'kind = "openai-compatible"', `base_url = "${mock.openaiBaseUrl}"`, 'api_keys = ["sk-mock-chat-key"]', "", "[routing]", 'aliases = ["claude*=>mockchat:mock-gpt-agent"]'];

  /** Start a gateway from a TOML file, run Claude Code with the agent answering, return what happened. */
  async function runTask(name: string, tomlLines: string[], agentFor: (task: WriteTask) => MockResponder, lean = true, preamble?: string) {
    const toml = join(scratch, `${name}.toml`);
    writeFileSync(toml, tomlLines.join("\n"));
    const gw = await startTestGateway(undefined, { TOKLIGENCE_CONFIG: toml });
    const box = makeSandbox(name);
    const task = newTask(box, `call_write_${name}_1`, preamble);
    const first = mock.requests.length;
    mock.setResponder(agentFor(task));
    try {
      const run = await runClaude(box, gw.url, prompt, "claude-sonnet-4-6", lean);
      return { run, task, requests: mock.requests.slice(first), ledger: gw.ledger };
    } finally {
      mock.setResponder(undefined);
      await gw.stop();
    }
  }

  test("writes a file with its Write tool while a Chat Completions upstream streams the call in fragments (issue 3)", async () => {
    const { run, task, requests, ledger } = await runTask("chat", chatUpstreamToml(), chatAgent, true, "I will write the file.");
    expectTaskDone(run, task);
    expectAnthropicStreams(run, task);
    expect(requests.every((r) => r.path === "/v1/chat/completions")).toBe(true);

    const [call, finish, ...extra] = agentRequests(requests);
    expect(extra).toEqual([]);
    for (const request of [call!, finish!]) {
      expect(request.body).toMatchObject({ model: "mock-gpt-agent", stream: true, stream_options: { include_usage: true } });
      // System prompt: Claude Code's block array became one leading system message.
      expect(request.body.messages[0].role).toBe("system");
      expect(request.body.messages[0].content).toStartWith(systemPromptOpening);
      expect(request.body.messages.filter((m: any) => m.role === "system")).toHaveLength(1);
      // Tools: Anthropic input_schema became a function tool with the same JSON Schema.
      expect(request.body.tools).toHaveLength(1);
      expect(request.body.tools[0]).toMatchObject({ type: "function", function: { name: "Write", parameters: { type: "object", required: ["file_path", "content"] } } });
      expect(Object.keys(request.body.tools[0].function.parameters.properties).sort()).toEqual(["content", "file_path"]);
      expect(request.body.tools[0].function.description).toContain("Writes a file");
      expect(JSON.stringify(request.body)).not.toContain("cache_control");
    }
    expect(JSON.stringify(call!.body.messages.at(-1))).toContain(prompt);
    expect(call!.body.messages.some((m: any) => m.role === "tool")).toBe(false);

    // The second turn replays the assistant's call (arguments re-joined) and carries the tool result.
    const messages = finish!.body.messages;
    const assistant = messages.at(-2);
    expect(assistant.role).toBe("assistant");
    expect(assistant.tool_calls).toHaveLength(1);
    expect(assistant.tool_calls[0]).toMatchObject({ id: task.callId, type: "function", function: { name: "Write" } });
    expect(JSON.parse(assistant.tool_calls[0].function.arguments)).toEqual({ file_path: task.filePath, content: task.content });
    const tool = messages.at(-1);
    expect(tool).toMatchObject({ role: "tool", tool_call_id: task.callId });
    expect(tool.content).toContain(`File created successfully at: ${task.filePath}`);

    // Usage travelled back: two upstream answers recorded, and Claude Code counted both turns' output.
    expect(run.result.usage.output_tokens).toBe(2 * mockUsage.output);
    const rows = ledger.entries.filter((e) => e.provider === "mockchat");
    expect(rows).toHaveLength(requests.length);
    expect(rows.every((e) => e.errorCode === null && e.upstreamProtocol === "openai-chat" && e.clientProtocol === "anthropic")).toBe(true);
  }, 60_000);

  test("does the same with Claude Code's default request surface: experimental betas, deferred tools, the full tool set (CC07)", async () => {
    const { run, task, requests } = await runTask("chatfull", chatUpstreamToml(), chatAgent, false);
    expectTaskDone(run, task);
    expectAnthropicStreams(run, task);
    const [call, finish] = agentRequests(requests);
    expect(finish!.body.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: task.callId });
    for (const request of [call!, finish!]) {
      const names = request.body.tools.map((t: any) => t.function.name);
      expect(names).toContain("Write");
      expect(names.length).toBeGreaterThan(1);
      // Anthropic-only request features never reach a Chat upstream.
      const sent = JSON.stringify(request.body);
      for (const field of ["cache_control", "defer_loading", "context_management", "\"thinking\"", "anthropic-beta"]) expect(sent).not.toContain(field);
    }
  }, 60_000);

  test("finishes a tool task on a Gemini 3 upstream that demands its thought signature back (K08)", async () => {
    const signature = "CrICAdHtim827fQ-mock+gemini/signature==";
    const geminiToml = ["[providers.mockgemini]", 'kind = "openai-compatible"', `base_url = "${mock.openaiBaseUrl}"`, 'api_keys = ["sk-mock-gemini-key"]', "", "[routing]", 'aliases = ["claude*=>mockgemini:gemini-3-pro-preview"]'];
    const geminiAgent = (task: WriteTask) => chatToolRoundTrip({ ...task.trip, shape: { ...task.trip.shape, thoughtSignature: signature } });
    const { run, task, requests } = await runTask("gemini", geminiToml, geminiAgent);
    // The mock answers 400 (as Gemini does) unless the replayed call carries the signature.
    expectTaskDone(run, task);
    const [call, finish] = agentRequests(requests);
    expect(call!.body.model).toBe("gemini-3-pro-preview");
    expect(finish!.body.messages.at(-2).tool_calls[0]).toMatchObject({ id: task.callId, extra_content: { google: { thought_signature: signature } } });
    // Claude Code saw an ordinary tool_use id: the signature stayed in the gateway.
    expect(JSON.stringify(run.events)).not.toContain(signature);
  }, 60_000);

  // Two ways to declare a Responses-only upstream: a model pattern on an OpenAI provider, or a
  // provider that serves nothing but the Responses API. The mock answers 404 on any other path.
  const responsesOnlyConfigs: Array<[string, string[]]> = [
    ["responses_only_models on an openai provider", ['kind = "openai"', 'responses_only_models = ["mock-codex*"]']],
    ["a provider whose only protocol is openai-responses", ['kind = "openai-compatible"', 'protocols = ["openai-responses"]']],
  ];
  test.each(responsesOnlyConfigs)("writes a file with its Write tool while the upstream answers only in Responses format: %s (issue 4)", async (_label, providerLines) => {
    const name = providerLines[0]!.includes('"openai"') ? "respmodels" : "respprovider";
    const { run, task, requests, ledger } = await runTask(
      name,
      ["[providers.mockresp]", ...providerLines, `base_url = "${mock.openaiBaseUrl}"`, 'api_keys = ["sk-mock-resp-key"]', "", "[routing]", 'aliases = ["claude*=>mockresp:mock-codex-agent"]'],
      responsesOnlyAgent,
    );
    expectTaskDone(run, task);
    expectAnthropicStreams(run, task);
    expect(requests.map((r) => r.path).filter((path) => path !== "/v1/responses")).toEqual([]);

    const [call, finish, ...extra] = agentRequests(requests);
    expect(extra).toEqual([]);
    for (const request of [call!, finish!]) {
      expect(request.body).toMatchObject({ model: "mock-codex-agent", stream: true });
      // System prompt: Claude Code's block array became the Responses instructions.
      expect(request.body.instructions).toStartWith(systemPromptOpening);
      expect(request.body.tools).toHaveLength(1);
      expect(request.body.tools[0]).toMatchObject({ type: "function", name: "Write", parameters: { type: "object", required: ["file_path", "content"] } });
      expect(Object.keys(request.body.tools[0].parameters.properties).sort()).toEqual(["content", "file_path"]);
      expect(JSON.stringify(request.body)).not.toContain("cache_control");
    }
    expect(JSON.stringify(call!.body.input)).toContain(prompt);
    expect(call!.body.input.some((item: any) => item.type === "function_call_output")).toBe(false);

    // The second turn replays the function_call (arguments re-joined) and carries its output.
    const input = finish!.body.input as any[];
    const replayed = input.filter((item) => item.type === "function_call");
    expect(replayed).toHaveLength(1);
    expect(replayed[0]).toMatchObject({ call_id: task.callId, name: "Write" });
    expect(JSON.parse(replayed[0].arguments)).toEqual({ file_path: task.filePath, content: task.content });
    const outputs = input.filter((item) => item.type === "function_call_output");
    expect(outputs).toHaveLength(1);
    expect(outputs[0].call_id).toBe(task.callId);
    expect(JSON.stringify(outputs[0].output)).toContain(`File created successfully at: ${task.filePath}`);
    expect(input.indexOf(outputs[0])).toBeGreaterThan(input.indexOf(replayed[0]));
    // Claude Code kept the model's encrypted reasoning (in its thinking block's signature) and the
    // gateway handed it back ahead of the call, as a stateless (store:false) upstream needs.
    const reasoning = input.filter((item) => item.type === "reasoning");
    expect(reasoning).toEqual([{ type: "reasoning", id: upstreamReasoning.id, summary: [], encrypted_content: upstreamReasoning.encryptedContent }]);
    expect(input.indexOf(reasoning[0])).toBeLessThan(input.indexOf(replayed[0]));

    expect(run.result.usage.output_tokens).toBe(2 * mockUsage.output);
    const rows = ledger.entries.filter((e) => e.provider === "mockresp");
    expect(rows).toHaveLength(requests.length);
    expect(rows.every((e) => e.errorCode === null && e.upstreamProtocol === "openai-responses" && e.clientProtocol === "anthropic")).toBe(true);
  }, 60_000);

  // Errors in the upstream's OpenAI shape reach Claude Code as Anthropic errors it understands:
  // it names the status and shows the upstream's message instead of a generic failure.
  const upstreamErrors: Array<[number, unknown, Record<string, string>]> = [
    [400, { error: { message: "mock upstream rejects this request", type: "invalid_request_error", code: null } }, {}],
    [429, { error: { message: "Rate limit reached for mock-gpt-agent", type: "requests", code: "rate_limit_exceeded" } }, { "retry-after": "1" }],
    [500, { error: { message: "mock upstream broke", type: "server_error", code: null } }, {}],
  ];
  test.each(upstreamErrors)("shows a Chat upstream's %d error as an API error with the upstream's message", async (status, body, headers) => {
    const { run, requests } = await runTask(`error${status}`, chatUpstreamToml(), () => () => ({ status, json: body, headers }));
    expect(requests.length).toBeGreaterThan(0);
    expect(run.exitCode).not.toBe(0);
    expect(run.result).toMatchObject({ is_error: true, api_error_status: status, terminal_reason: "api_error" });
    expect(run.result.result).toContain((body as any).error.message);
  }, 60_000);
});
