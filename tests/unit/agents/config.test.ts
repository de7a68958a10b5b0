import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../../src/config/load";

const noDir = "/nonexistent-config-dir";

describe("agents.* configuration", () => {
  test("defaults: everything on, warn at 3, stop at 5, Codex's shell tools, bash -lc", () => {
    const { agents } = loadConfig({ env: {}, configDir: noDir }).config;
    expect(agents).toEqual({
      toolLoop: { enabled: true, warnAt: 3, stopAt: 5 },
      shell: { enabled: true, tools: ["shell", "shell_command", "exec_command", "local_shell", "container.exec"], wrapper: ["bash", "-lc"] },
      webSearchToAnthropic: true,
      localShellAsFunction: true,
    });
  });

  test("environment: the original's TOKLIGENCE_DUPLICATE_TOOL_DETECTION and the generic TOKLIGENCE_AGENTS__* names", () => {
    const { agents } = loadConfig({
      configDir: noDir,
      env: {
        TOKLIGENCE_DUPLICATE_TOOL_DETECTION: "false",
        TOKLIGENCE_AGENTS__TOOL_LOOP_WARN_AT: "4",
        TOKLIGENCE_AGENTS__TOOL_LOOP_STOP_AT: "8",
        TOKLIGENCE_AGENTS__SHELL_WRAPPER: "sh,-c",
        TOKLIGENCE_AGENTS__WEB_SEARCH_TO_ANTHROPIC: "off",
      },
    }).config;
    expect(agents.toolLoop).toEqual({ enabled: false, warnAt: 4, stopAt: 8 });
    expect(agents.shell.wrapper).toEqual(["sh", "-c"]);
    expect(agents.webSearchToAnthropic).toBe(false);
  });

  test("a warning threshold above the stop threshold, zero, or an empty wrapper is a start-up error naming the key", () => {
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_AGENTS__TOOL_LOOP_WARN_AT: "6" } })).toThrow(/agents.tool_loop_warn_at \(6\) must not be greater than agents.tool_loop_stop_at \(5\)/);
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_AGENTS__TOOL_LOOP_STOP_AT: "0" } })).toThrow(ConfigError);
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_AGENTS__SHELL_WRAPPER: "" } })).toThrow(/agents.shell_wrapper/);
  });
});
