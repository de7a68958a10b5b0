/**
 * The real Codex CLI (pinned @openai/codex) completes tool tasks through the gateway while the
 * mock upstream answers in another protocol: Anthropic Messages, then Chat Completions (both
 * streaming). Codex speaks only the Responses API, so every request and every stream here goes
 * through the gateway's Responses translation; Codex executes the tool call for real and the
 * file it writes is the proof that the call arrived intact. Issue 4, "How it is shown".
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { codexVersion, describeWhenCodexRuns, pinnedCodexVersion, runCodexExec } from "../support/codex-cli";
import { anthropicToolResults, anthropicToolRoundTrip, chatToolResults, chatToolRoundTrip, declaresTool, type ToolRoundTrip } from "../support/mock-agent";
import { type MockUpstream, type RecordedRequest, startMockUpstream } from "../support/mock-upstream";

const describeIfCodex = describeWhenCodexRuns("codex-cli compat");

/** Per test: under the 60 s budget, above the runner's outer kill timer for Codex. */
const TEST_TIMEOUT_MS = 55_000;
const CODEX_TIMEOUT_MS = 45_000;

let mock: MockUpstream | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await mock?.stop();
  gw = undefined;
  mock = undefined;
});

const prompt = "Create out.txt in the current directory containing the word hello.";

/** The agent requests the mock answered with the scripted tool (side requests, if any, are not counted). */
function agentRequests(requests: RecordedRequest[], path: string, tool: string): RecordedRequest[] {
  return requests.filter((request) => request.path === path && declaresTool(request, tool));
}

/** Codex's config and turn metadata carry local paths and ids: they must never reach an upstream. */
function expectNoCodexHeadersUpstream(requests: RecordedRequest[]) {
  for (const request of requests) {
    const names = Object.keys(request.headers);
    expect(names.filter((name) => name.startsWith("x-codex") || name === "session-id" || name === "thread-id" || name === "originator")).toEqual([]);
    expect(JSON.stringify(request.headers)).not.toContain("sk-codex-client-key");
  }
}

describeIfCodex(`Codex CLI ${pinnedCodexVersion} through the gateway`, () => {
  test("the pinned Codex CLI runs here", () => {
    expect(codexVersion().version).toBe(`codex-cli ${pinnedCodexVersion}`);
  });

  test(
    "exec_command writes a file while the upstream answers in Anthropic Messages (streaming)",
    async () => {
      const call = { id: "toolu_codex_1", tool: "exec_command", input: { cmd: "printf hello > out.txt" } };
      const trip: ToolRoundTrip = { calls: [call], finalText: "Done: out.txt now says hello." };
      mock = await startMockUpstream();
      mock.setResponder(anthropicToolRoundTrip(trip));
      // Codex needs a slug it knows (gpt-5.5: exec_command plus the freeform apply_patch); the
      // alias sends it to Claude on the Anthropic-format mock.
      gw = await startTestGateway(mock, { TOKLIGENCE_OPENAI_API_KEY: "", TOKLIGENCE_MODEL_ALIASES: "gpt-5.5=>anthropic:claude-sonnet-4-6" });

      let written: string | undefined;
      const run = await runCodexExec({ gatewayUrl: gw.url, prompt, timeoutMs: CODEX_TIMEOUT_MS, inspect: (r) => void (written = existsSync(join(r.workDir, "out.txt")) ? readFileSync(join(r.workDir, "out.txt"), "utf8") : undefined) });
      const diagnostics = `exit ${run.exitCode}${run.timedOut ? " (killed by the timer)" : ""}\nstderr:\n${run.stderr.slice(-3000)}`;

      expect(run.exitCode, diagnostics).toBe(0);
      expect(run.stdout).toContain(trip.finalText);
      expect(written, diagnostics).toBe("hello");

      const requests = agentRequests(mock.requests, "/v1/messages", call.tool);
      expect(requests.length, diagnostics).toBe(2);
      const [first, second] = requests as [RecordedRequest, RecordedRequest];

      // The first request: Codex's Responses body translated to a valid Messages body.
      expect(first.body.model).toBe("claude-sonnet-4-6");
      expect(first.body.stream).toBe(true);
      expect(first.body.max_tokens).toBeGreaterThan(0);
      // Codex sends its system prompt as developer items (no `instructions`): they become `system`.
      expect(JSON.stringify(first.body.system)).toContain("You are Codex");
      expect(first.body.messages.every((m: { role: string }) => m.role === "user" || m.role === "assistant")).toBe(true);
      expect(JSON.stringify(first.body.messages)).toContain(prompt);
      // reasoning.effort → extended thinking.
      expect(["enabled", "adaptive"]).toContain(first.body.thinking?.type);
      const tools: Array<Record<string, any>> = first.body.tools;
      expect(tools.find((t) => t.name === "exec_command")?.input_schema).toMatchObject({ type: "object", properties: { cmd: { type: "string" } } });
      // S10: the freeform apply_patch becomes a function taking one string, grammar in its description.
      const applyPatch = tools.find((t) => t.name === "apply_patch");
      expect(applyPatch?.input_schema).toMatchObject({ type: "object", properties: { input: { type: "string" } }, required: ["input"] });
      expect(applyPatch?.description).toContain("Begin Patch");
      // S12: OpenAI built-ins never reach Anthropic in their Responses shape: each tool is a
      // function with a schema, or (web search, where mapped) an Anthropic server tool.
      expect(tools.every((t) => typeof t.input_schema === "object" || /^web_search_\d+$/.test(String(t.type)))).toBe(true);
      expect(tools.filter((t) => t.type === "web_search" || t.type === "tool_search")).toEqual([]);

      // The second request: Codex's function_call + function_call_output replayed as
      // tool_use + tool_result, and the signed thinking replayed through Codex's encrypted reasoning item.
      const results = anthropicToolResults(second);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ type: "tool_result", tool_use_id: call.id });
      expect(JSON.stringify(results[0]!.content)).toContain("exited with code 0");
      const assistant = second.body.messages.findLast((m: { role: string }) => m.role === "assistant");
      expect(assistant.content[0]).toEqual({ type: "thinking", thinking: "The user wants a file.", signature: "sig-mock-agent" });
      expect(assistant.content.find((b: { type: string }) => b.type === "tool_use")).toEqual({ type: "tool_use", id: call.id, name: "exec_command", input: call.input });
      expect(["enabled", "adaptive"]).toContain(second.body.thinking?.type);

      expectNoCodexHeadersUpstream(mock.requests);
      expect(first.headers["x-api-key"]).toBe("sk-ant-test-key-123456");
      const ledger = gw.ledger.entries.filter((entry) => entry.endpoint === "/v1/responses");
      expect(ledger.map((entry) => [entry.status, entry.errorCode, entry.provider, entry.upstreamProtocol])).toEqual([
        [200, null, "anthropic", "anthropic"],
        [200, null, "anthropic", "anthropic"],
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "apply_patch (a freeform custom tool) round-trips through an Anthropic upstream",
    async () => {
      const patch = "*** Begin Patch\n*** Add File: patched.txt\n+patched by apply_patch\n*** End Patch\n";
      const call = { id: "toolu_codex_patch", tool: "apply_patch", input: { input: patch } };
      const trip: ToolRoundTrip = { calls: [call], finalText: "Patched." };
      mock = await startMockUpstream();
      mock.setResponder(anthropicToolRoundTrip(trip));
      gw = await startTestGateway(mock, { TOKLIGENCE_OPENAI_API_KEY: "", TOKLIGENCE_MODEL_ALIASES: "gpt-5.5=>anthropic:claude-sonnet-4-6" });

      let written: string | undefined;
      const run = await runCodexExec({ gatewayUrl: gw.url, prompt: "Create patched.txt with apply_patch.", timeoutMs: CODEX_TIMEOUT_MS, inspect: (r) => void (written = existsSync(join(r.workDir, "patched.txt")) ? readFileSync(join(r.workDir, "patched.txt"), "utf8") : undefined) });
      const diagnostics = `exit ${run.exitCode}\nstderr:\n${run.stderr.slice(-3000)}`;

      // Codex applies the patch only if it got a custom_tool_call with the raw patch text.
      expect(run.exitCode, diagnostics).toBe(0);
      expect(written, diagnostics).toBe("patched by apply_patch\n");
      expect(run.stdout).toContain(trip.finalText);

      const requests = agentRequests(mock.requests, "/v1/messages", call.tool);
      expect(requests.length).toBe(2);
      // custom_tool_call + custom_tool_call_output came back as the wrapped tool_use + tool_result.
      const second = requests[1]!;
      const assistant = second.body.messages.findLast((m: { role: string }) => m.role === "assistant");
      expect(assistant.content.find((b: { type: string }) => b.type === "tool_use")).toEqual({ type: "tool_use", id: call.id, name: "apply_patch", input: { input: patch } });
      const results = anthropicToolResults(second);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ tool_use_id: call.id });
      expect(JSON.stringify(results[0]!.content)).toContain("patched.txt");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "exec_command writes a file while the upstream answers in Chat Completions (streaming, arguments split across chunks)",
    async () => {
      const call = { id: "call_codex_1", tool: "exec_command", input: { cmd: "printf hello > out.txt" } };
      const trip: ToolRoundTrip = { calls: [call], finalText: "Done: out.txt now says hello." };
      mock = await startMockUpstream();
      mock.setResponder(chatToolRoundTrip(trip));
      // A Chat-only provider (the DeepSeek/vLLM kind) serves the slug Codex asks for.
      gw = await startTestGateway(mock, {
        TOKLIGENCE_OPENAI_API_KEY: "",
        TOKLIGENCE_ANTHROPIC_API_KEY: "",
        TOKLIGENCE_PROVIDERS__CHATONLY__KIND: "openai-compatible",
        TOKLIGENCE_PROVIDERS__CHATONLY__BASE_URL: mock.openaiBaseUrl,
        TOKLIGENCE_PROVIDERS__CHATONLY__API_KEYS: "sk-chat-only-key-123456",
        TOKLIGENCE_MODEL_ALIASES: "gpt-5.5=>chatonly:mock-chat-model",
      });

      let written: string | undefined;
      const run = await runCodexExec({ gatewayUrl: gw.url, prompt, timeoutMs: CODEX_TIMEOUT_MS, inspect: (r) => void (written = existsSync(join(r.workDir, "out.txt")) ? readFileSync(join(r.workDir, "out.txt"), "utf8") : undefined) });
      const diagnostics = `exit ${run.exitCode}${run.timedOut ? " (killed by the timer)" : ""}\nstderr:\n${run.stderr.slice(-3000)}`;

      expect(run.exitCode, diagnostics).toBe(0);
      expect(run.stdout).toContain(trip.finalText);
      expect(written, diagnostics).toBe("hello");

      const requests = agentRequests(mock.requests, "/v1/chat/completions", call.tool);
      expect(requests.length, diagnostics).toBe(2);
      const [first, second] = requests as [RecordedRequest, RecordedRequest];

      expect(first.body.model).toBe("mock-chat-model");
      expect(first.body.stream).toBe(true);
      expect(first.body.stream_options).toEqual({ include_usage: true });
      // Developer items become the leading system message; reasoning.effort stays an effort.
      expect(first.body.messages[0].role).toBe("system");
      expect(first.body.messages[0].content).toContain("You are Codex");
      expect(first.body.reasoning_effort).toBe("medium");
      expect(JSON.stringify(first.body.messages)).toContain(prompt);
      const tools: Array<Record<string, any>> = first.body.tools;
      expect(tools.find((t) => t.function?.name === "exec_command")?.function.parameters).toMatchObject({ type: "object", properties: { cmd: { type: "string" } } });
      // S10: an OpenAI-compatible server knows only function tools, so apply_patch arrives wrapped.
      expect(tools.every((t) => t.type === "function")).toBe(true);
      expect(tools.find((t) => t.function.name === "apply_patch")?.function.parameters).toEqual({ type: "object", properties: { input: { type: "string" } }, required: ["input"] });
      // Responses-only fields never reach a Chat upstream.
      for (const key of ["input", "include", "store", "prompt_cache_key", "client_metadata", "text", "reasoning", "parallel_tool_calls"]) expect(first.body).not.toHaveProperty(key);

      // The second request: function_call → assistant tool_calls, function_call_output → role tool.
      const results = chatToolResults(second);
      expect(results).toHaveLength(1);
      expect(results[0]!.tool_call_id).toBe(call.id);
      expect(String(results[0]!.content)).toContain("exited with code 0");
      const assistant = second.body.messages.findLast((m: { role: string }) => m.role === "assistant");
      expect(assistant.tool_calls).toHaveLength(1);
      expect(assistant.tool_calls[0]).toMatchObject({ id: call.id, type: "function", function: { name: "exec_command" } });
      expect(JSON.parse(assistant.tool_calls[0].function.arguments)).toEqual(call.input);
      // The tool message directly answers the assistant turn that made the call.
      expect(second.body.messages.indexOf(results[0])).toBe(second.body.messages.indexOf(assistant) + 1);

      expectNoCodexHeadersUpstream(mock.requests);
      expect(first.headers.authorization).toBe("Bearer sk-chat-only-key-123456");
      const ledger = gw.ledger.entries.filter((entry) => entry.endpoint === "/v1/responses");
      expect(ledger.map((entry) => [entry.status, entry.errorCode, entry.provider, entry.upstreamProtocol])).toEqual([
        [200, null, "chatonly", "openai-chat"],
        [200, null, "chatonly", "openai-chat"],
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "two tool calls in one Anthropic turn, with the thinking shown as Codex's reasoning summary",
    async () => {
      const calls = [
        { id: "toolu_codex_a", tool: "exec_command", input: { cmd: "printf one > one.txt" } },
        { id: "toolu_codex_b", tool: "exec_command", input: { cmd: "printf two > two.txt" } },
      ];
      const trip: ToolRoundTrip = { calls, finalText: "Both files written." };
      mock = await startMockUpstream();
      mock.setResponder(anthropicToolRoundTrip(trip));
      gw = await startTestGateway(mock, { TOKLIGENCE_OPENAI_API_KEY: "", TOKLIGENCE_MODEL_ALIASES: "gpt-5.5=>anthropic:claude-sonnet-4-6" });

      const written: Record<string, string | undefined> = {};
      const run = await runCodexExec({
        gatewayUrl: gw.url,
        prompt: "Write one.txt and two.txt.",
        configOverrides: ['model_reasoning_summary="detailed"'],
        timeoutMs: CODEX_TIMEOUT_MS,
        inspect: (r) => {
          for (const name of ["one.txt", "two.txt"]) written[name] = existsSync(join(r.workDir, name)) ? readFileSync(join(r.workDir, name), "utf8") : undefined;
        },
      });
      const diagnostics = `exit ${run.exitCode}\nstderr:\n${run.stderr.slice(-3000)}`;

      expect(run.exitCode, diagnostics).toBe(0);
      expect(written, diagnostics).toEqual({ "one.txt": "one", "two.txt": "two" });
      expect(run.stdout).toContain(trip.finalText);
      // Codex prints reasoning summaries it received (response.reasoning_summary_text.*) on stderr.
      expect(run.stderr).toContain("The user wants a file.");

      const requests = agentRequests(mock.requests, "/v1/messages", "exec_command");
      expect(requests.length).toBe(2);
      const second = requests[1]!;
      const assistant = second.body.messages.findLast((m: { role: string }) => m.role === "assistant");
      expect(assistant.content.filter((b: { type: string }) => b.type === "tool_use").map((b: { id: string }) => b.id)).toEqual(["toolu_codex_a", "toolu_codex_b"]);
      // Both results in the one user turn that follows (Anthropic requires them together).
      const next = second.body.messages[second.body.messages.indexOf(assistant) + 1];
      expect(next.content.filter((b: { type: string }) => b.type === "tool_result").map((b: { tool_use_id: string }) => b.tool_use_id)).toEqual(["toolu_codex_a", "toolu_codex_b"]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "two tool calls in one Chat Completions turn both run, and both results go back with their ids",
    async () => {
      const calls = [
        { id: "call_codex_a", tool: "exec_command", input: { cmd: "printf one > one.txt" } },
        { id: "call_codex_b", tool: "exec_command", input: { cmd: "printf two > two.txt" } },
      ];
      const trip: ToolRoundTrip = { calls, finalText: "Both files written." };
      mock = await startMockUpstream();
      mock.setResponder(chatToolRoundTrip(trip));
      gw = await startTestGateway(mock, {
        TOKLIGENCE_OPENAI_API_KEY: "",
        TOKLIGENCE_ANTHROPIC_API_KEY: "",
        TOKLIGENCE_PROVIDERS__CHATONLY__KIND: "openai-compatible",
        TOKLIGENCE_PROVIDERS__CHATONLY__BASE_URL: mock.openaiBaseUrl,
        TOKLIGENCE_PROVIDERS__CHATONLY__API_KEYS: "sk-chat-only-key-123456",
        TOKLIGENCE_MODEL_ALIASES: "gpt-5.5=>chatonly:mock-chat-model",
      });

      const written: Record<string, string | undefined> = {};
      const run = await runCodexExec({
        gatewayUrl: gw.url,
        prompt: "Write one.txt and two.txt.",
        timeoutMs: CODEX_TIMEOUT_MS,
        inspect: (r) => {
          for (const name of ["one.txt", "two.txt"]) written[name] = existsSync(join(r.workDir, name)) ? readFileSync(join(r.workDir, name), "utf8") : undefined;
        },
      });
      const diagnostics = `exit ${run.exitCode}\nstderr:\n${run.stderr.slice(-3000)}`;

      expect(run.exitCode, diagnostics).toBe(0);
      expect(written, diagnostics).toEqual({ "one.txt": "one", "two.txt": "two" });
      expect(run.stdout).toContain(trip.finalText);

      const requests = agentRequests(mock.requests, "/v1/chat/completions", "exec_command");
      expect(requests.length).toBe(2);
      const second = requests[1]!;
      const assistant = second.body.messages.findLast((m: { role: string }) => m.role === "assistant");
      expect(assistant.tool_calls.map((c: { id: string; function: { arguments: string } }) => [c.id, JSON.parse(c.function.arguments)])).toEqual(calls.map((c) => [c.id, c.input]));
      expect(chatToolResults(second).map((m) => m.tool_call_id)).toEqual(["call_codex_a", "call_codex_b"]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "apply_patch round-trips through a Chat-only upstream that knows only function tools",
    async () => {
      const patch = "*** Begin Patch\n*** Add File: patched.txt\n+patched over chat\n*** End Patch\n";
      const call = { id: "call_codex_patch", tool: "apply_patch", input: { input: patch } };
      const trip: ToolRoundTrip = { calls: [call], finalText: "Patched." };
      mock = await startMockUpstream();
      mock.setResponder(chatToolRoundTrip(trip));
      gw = await startTestGateway(mock, {
        TOKLIGENCE_OPENAI_API_KEY: "",
        TOKLIGENCE_ANTHROPIC_API_KEY: "",
        TOKLIGENCE_PROVIDERS__CHATONLY__KIND: "openai-compatible",
        TOKLIGENCE_PROVIDERS__CHATONLY__BASE_URL: mock.openaiBaseUrl,
        TOKLIGENCE_PROVIDERS__CHATONLY__API_KEYS: "sk-chat-only-key-123456",
        TOKLIGENCE_MODEL_ALIASES: "gpt-5.5=>chatonly:mock-chat-model",
      });

      let written: string | undefined;
      const run = await runCodexExec({ gatewayUrl: gw.url, prompt: "Create patched.txt with apply_patch.", timeoutMs: CODEX_TIMEOUT_MS, inspect: (r) => void (written = existsSync(join(r.workDir, "patched.txt")) ? readFileSync(join(r.workDir, "patched.txt"), "utf8") : undefined) });
      const diagnostics = `exit ${run.exitCode}\nstderr:\n${run.stderr.slice(-3000)}`;

      // The mock calls the wrapped function; Codex applies the patch only from a custom_tool_call.
      expect(run.exitCode, diagnostics).toBe(0);
      expect(written, diagnostics).toBe("patched over chat\n");
      expect(run.stdout).toContain(trip.finalText);

      const requests = agentRequests(mock.requests, "/v1/chat/completions", call.tool);
      expect(requests.length).toBe(2);
      // Codex's custom_tool_call + custom_tool_call_output replayed as a wrapped function call + tool message.
      const second = requests[1]!;
      const assistant = second.body.messages.findLast((m: { role: string }) => m.role === "assistant");
      expect(assistant.tool_calls).toEqual([{ id: call.id, type: "function", function: { name: "apply_patch", arguments: JSON.stringify({ input: patch }) } }]);
      const results = chatToolResults(second);
      expect(results.map((m) => m.tool_call_id)).toEqual([call.id]);
      expect(String(results[0]!.content)).toContain("patched.txt");
    },
    TEST_TIMEOUT_MS,
  );
});
