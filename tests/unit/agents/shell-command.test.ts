import { describe, expect, test } from "bun:test";
import { normalizeShellCommandArguments } from "../../../src/agents/shell-command";

describe("shell command normalisation (upstream-tokligence §1.20)", () => {
  test("a string command becomes a shell line; other keys keep their order and nothing is escaped", () => {
    expect(normalizeShellCommandArguments("shell", '{"workdir":"/w","command":"echo hi > a.txt && cat a.txt","timeout_ms":5}')).toBe(
      '{"workdir":"/w","command":["bash","-lc","echo hi > a.txt && cat a.txt"],"timeout_ms":5}',
    );
  });

  test("a JSON array written as a string is parsed; a single element holding a shell line is wrapped", () => {
    expect(normalizeShellCommandArguments("shell", JSON.stringify({ command: '["ls","-la"]' }))).toBe('{"command":["ls","-la"]}');
    expect(normalizeShellCommandArguments("shell", JSON.stringify({ command: ["echo 'are you ok?' >> ok.py"] }))).toBe(
      JSON.stringify({ command: ["bash", "-lc", "echo 'are you ok?' >> ok.py"] }),
    );
  });

  test("a real argv array, a plain single word, other tools and non-JSON are left untouched", () => {
    const argv = '{"command":["ls","-la"]}';
    expect(normalizeShellCommandArguments("shell", argv)).toBe(argv);
    expect(normalizeShellCommandArguments("shell", '{"command":["ls"]}')).toBe('{"command":["ls"]}');
    expect(normalizeShellCommandArguments("exec_command", '{"command":"ls -la"}')).toBe('{"command":"ls -la"}');
    expect(normalizeShellCommandArguments("shell", "{not json")).toBe("{not json");
  });

  test("options: tool names and the shell wrapper are configurable", () => {
    expect(normalizeShellCommandArguments("container.exec", '{"command":"a | b"}', { toolNames: ["container.exec"], shell: ["sh", "-c"] })).toBe(
      '{"command":["sh","-c","a | b"]}',
    );
  });
});
