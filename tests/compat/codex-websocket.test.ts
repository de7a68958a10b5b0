/**
 * Codex CLI with its built-in OpenAI provider pointed at the gateway (`openai_base_url`), as a
 * user who only changes the base URL runs it. That provider opens the Responses WebSocket
 * (GET /v1/responses, Upgrade: websocket) before anything else; the gateway serves it, so Codex
 * runs its tool loop over the socket without the retries and "Falling back from WebSockets"
 * errors a refused upgrade costs, while the upstream answers in Anthropic Messages.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describeWhenCodexRuns, pinnedCodexVersion, runCodexExec } from "../support/codex-cli";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { anthropicToolResults, anthropicToolRoundTrip, declaresTool, type ToolRoundTrip } from "../support/mock-agent";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

const describeIfCodex = describeWhenCodexRuns("codex websocket compat");

let mock: MockUpstream | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await mock?.stop();
  gw = undefined;
  mock = undefined;
});

describeIfCodex(`Codex CLI ${pinnedCodexVersion} over the Responses WebSocket`, () => {
  test(
    "a tool loop over the socket: the file is written, no fallback to HTTP, one ledger row per turn",
    async () => {
      const call = { id: "toolu_codex_ws_1", tool: "exec_command", input: { cmd: "printf hello > out.txt" } };
      const trip: ToolRoundTrip = { calls: [call], finalText: "Done over the socket." };
      mock = await startMockUpstream();
      mock.setResponder(anthropicToolRoundTrip(trip));
      gw = await startTestGateway(mock, { TOKLIGENCE_OPENAI_API_KEY: "", TOKLIGENCE_MODEL_ALIASES: "gpt-5.5=>anthropic:claude-sonnet-4-6" });

      let written: string | undefined;
      const run = await runCodexExec({
        gatewayUrl: gw.url,
        prompt: "Create out.txt in the current directory containing the word hello.",
        transport: "websocket",
        timeoutMs: 45_000,
        inspect: (r) => void (written = existsSync(join(r.workDir, "out.txt")) ? readFileSync(join(r.workDir, "out.txt"), "utf8") : undefined),
      });
      const diagnostics = `exit ${run.exitCode}${run.timedOut ? " (killed by the timer)" : ""}\nstderr:\n${run.stderr.slice(-3000)}`;

      expect(run.exitCode, diagnostics).toBe(0);
      expect(run.stdout).toContain(trip.finalText);
      expect(written, diagnostics).toBe("hello");
      expect(run.stderr).not.toContain("Falling back from WebSockets");
      expect(run.stderr).not.toContain("failed to connect to Responses WebSocket");

      const agent = mock.requests.filter((request) => request.path === "/v1/messages" && declaresTool(request, call.tool));
      expect(agent.length, diagnostics).toBe(2);
      // The second turn reached the upstream with the whole conversation, whether Codex sent it
      // whole or as previous_response_id plus the tool output on the same socket.
      const results = anthropicToolResults(agent[1]!);
      expect(results[0]).toMatchObject({ type: "tool_result", tool_use_id: call.id });
      expect(JSON.stringify(agent[1]!.body.messages)).toContain("Create out.txt");
      const assistant = agent[1]!.body.messages.findLast((m: { role: string }) => m.role === "assistant");
      expect(assistant.content.find((b: { type: string }) => b.type === "tool_use")).toEqual({ type: "tool_use", id: call.id, name: "exec_command", input: call.input });

      const rows = gw.ledger.entries.filter((entry) => entry.endpoint === "/v1/responses");
      expect(rows.map((entry) => [entry.status, entry.errorCode, entry.provider, entry.stream])).toEqual([
        [200, null, "anthropic", true],
        [200, null, "anthropic", true],
      ]);
    },
    55_000,
  );

  test(
    "Codex's remote compaction on a Claude route: the model's summary comes back as a compaction item and replaces the history",
    async () => {
      const trip = anthropicToolRoundTrip({ calls: [{ id: "toolu_codex_ws_2", tool: "exec_command", input: { cmd: "printf hello > out.txt" } }], finalText: "Done." });
      const summary = "SUMMARY: out.txt was written with hello; nothing else to do.";
      mock = await startMockUpstream();
      mock.setResponder((request) => {
        if (JSON.stringify(request.body.messages?.at(-1) ?? "").includes("Context checkpoint")) {
          return { json: { id: "msg_summary", type: "message", role: "assistant", model: "claude-sonnet-4-6", content: [{ type: "text", text: summary }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 40, output_tokens: 12 } } };
        }
        return trip(request);
      });
      gw = await startTestGateway(mock, { TOKLIGENCE_OPENAI_API_KEY: "", TOKLIGENCE_MODEL_ALIASES: "gpt-5.5=>anthropic:claude-sonnet-4-6" });
      // A tiny limit, so that Codex compacts after the tool call, in the middle of the turn.
      const run = await runCodexExec({ gatewayUrl: gw.url, prompt: "Create out.txt containing hello.", transport: "websocket", configOverrides: ["model_auto_compact_token_limit=15"], timeoutMs: 45_000 });
      const diagnostics = `exit ${run.exitCode}\nstdout:\n${run.stdout.slice(-1500)}\nstderr:\n${run.stderr.slice(-3000)}`;

      expect(run.exitCode, diagnostics).toBe(0);
      expect(run.stderr, diagnostics).not.toContain("remote compact task");
      expect(run.stdout + run.stderr, diagnostics).toContain("context compacted");
      const messages = mock.requests.filter((request) => request.path === "/v1/messages");
      const summarise = messages.findIndex((request) => JSON.stringify(request.body.messages.at(-1)).includes("Context checkpoint"));
      expect(summarise, diagnostics).toBeGreaterThan(0);
      // The summary request carried the conversation so far (the tool call and its result) ...
      expect(JSON.stringify(messages[summarise]!.body.messages)).toContain("toolu_codex_ws_2");
      // ... and the turn after it got the summary in place of what it replaced.
      const after = messages[summarise + 1]!;
      expect(JSON.stringify(after.body.messages)).toContain(summary);
      expect(JSON.stringify(after.body)).not.toContain("tgwcmp1.");
      expect(gw.ledger.entries.map((entry) => entry.status)).toEqual([200, 200, 200]);
    },
    55_000,
  );
});
