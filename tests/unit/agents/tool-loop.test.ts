import { describe, expect, test } from "bun:test";
import type { CanonicalRequest, Message } from "../../../src/canonical/types";
import { detectToolLoop, guardToolLoop } from "../../../src/agents/tool-loop";
import { GatewayError } from "../../../src/errors/gateway-error";

function history(calls: Array<{ args: string; result: string; name?: string }>): Message[] {
  const messages: Message[] = [{ role: "user", content: [{ type: "text", text: "go" }] }];
  calls.forEach((call, index) => {
    messages.push({ role: "assistant", content: [{ type: "tool_call", id: `c${index}`, name: call.name ?? "exec_command", arguments: call.args, kind: "function" }] });
    messages.push({ role: "user", content: [{ type: "tool_result", toolCallId: `c${index}`, content: [{ type: "text", text: call.result }] }] });
  });
  return messages;
}

function request(messages: Message[]): CanonicalRequest {
  return { model: "m", system: [{ type: "text", text: "client prompt" }], messages, tools: [], stream: true, extra: { protocol: "openai-responses", fields: {} } };
}

describe("duplicate tool-call detection (upstream-tokligence §1.18)", () => {
  test("same name + same arguments (any spacing/key order) + same result counts as a repeat", () => {
    const calls = [
      { args: '{"cmd":"ls","cwd":"/"}', result: "a" },
      { args: '{ "cwd": "/", "cmd": "ls" }', result: "a" },
      { args: '{"cmd":"ls","cwd":"/"}', result: "a" },
    ];
    expect(detectToolLoop(history(calls))).toEqual({ action: "warn", repeats: 3, toolName: "exec_command" });
  });

  test("a different result or different arguments breaks the run", () => {
    expect(detectToolLoop(history([{ args: "{}", result: "a" }, { args: "{}", result: "a" }, { args: "{}", result: "b" }])).repeats).toBe(1);
    expect(detectToolLoop(history([{ args: '{"n":1}', result: "a" }, { args: '{"n":2}', result: "a" }])).repeats).toBe(1);
  });

  test("warns at 3 by appending a notice to the latest user turn, never touching the system prompt", () => {
    const guarded = guardToolLoop(request(history(Array.from({ length: 3 }, () => ({ args: "{}", result: "same" })))));
    expect(guarded.system).toEqual([{ type: "text", text: "client prompt" }]);
    const last = guarded.messages.at(-1)!;
    expect(last.content.map((part) => part.type)).toEqual(["tool_result", "text"]);
    expect((last.content[1] as { text: string }).text).toContain("3 times in a row");
  });

  test("stops at 5 with tool_loop_detected (400)", () => {
    const run = () => guardToolLoop(request(history(Array.from({ length: 5 }, () => ({ args: "{}", result: "same" })))));
    expect(run).toThrow(GatewayError);
    try {
      run();
    } catch (error) {
      expect((error as GatewayError).code).toBe("tool_loop_detected");
      expect((error as GatewayError).status).toBe(400);
    }
  });

  test("configurable: thresholds and off switch; two calls are fine", () => {
    const messages = history(Array.from({ length: 5 }, () => ({ args: "{}", result: "same" })));
    expect(guardToolLoop(request(messages), { enabled: false }).messages).toBe(messages);
    expect(detectToolLoop(messages, { warnAt: 6, stopAt: 8 }).action).toBe("none");
    const two = request(history([{ args: "{}", result: "x" }, { args: "{}", result: "x" }]));
    expect(guardToolLoop(two)).toBe(two);
  });
});
