import { describe, expect, test } from "bun:test";
import { normalizeShellCall, normalizeShellCommandArguments, shellShapeFromSchema } from "../../../src/agents/shell-command";

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

  test("the shape comes from the client's schema: Codex exec_command (cmd: string), shell (command: array), shell_command (command: string)", () => {
    expect(shellShapeFromSchema({ type: "object", properties: { cmd: { type: "string" }, workdir: { type: "string" } } })).toEqual({ key: "cmd", shape: "line" });
    expect(shellShapeFromSchema({ type: "object", properties: { command: { type: "array", items: { type: "string" } } } })).toEqual({ key: "command", shape: "argv" });
    expect(shellShapeFromSchema({ type: "object", properties: { command: { type: "string" } } })).toEqual({ key: "command", shape: "line" });
    expect(shellShapeFromSchema({ type: "object", properties: { path: { type: "string" } } })).toBeUndefined();
  });

  test("a line is wanted: a shell invocation gives its script, another argv is quoted, the other key name is renamed in place", () => {
    const options = { toolNames: ["exec_command"] };
    const line = { key: "cmd", shape: "line" } as const;
    expect(normalizeShellCall("exec_command", '{"cmd":["bash","-lc","ls | wc -l"],"workdir":"/w"}', line, options)).toBe('{"cmd":"ls | wc -l","workdir":"/w"}');
    expect(normalizeShellCall("exec_command", '{"cmd":["/bin/zsh","-c","pwd"]}', line, options)).toBe('{"cmd":"pwd"}');
    expect(normalizeShellCall("exec_command", '{"cmd":["grep","-r","it\'s here","src dir"]}', line, options)).toBe(JSON.stringify({ cmd: "grep -r 'it'\\''s here' 'src dir'" }));
    expect(normalizeShellCall("exec_command", '{"workdir":"/w","command":"ls"}', line, options)).toBe('{"workdir":"/w","cmd":"ls"}');
    const fine = '{"cmd":"ls -la"}';
    expect(normalizeShellCall("exec_command", fine, line, options)).toBe(fine);
    expect(normalizeShellCall("exec_command", '{"path":"x"}', line, options)).toBe('{"path":"x"}');
  });
});
