import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../../src/config/load";
import { describeConfig } from "../../../src/config/show";
import { buildProxyDeps } from "../../../src/gateway";
import { createSilentLogger } from "../../../src/log/logger";

/** `[models."<name or pattern>"]`: what the operator states about models the family table does not know. */
const dir = mkdtempSync(join(tmpdir(), "gw-models-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noDir = join(dir, "none");

describe("[models] entries", () => {
  test("names with dots and patterns, in file order; later layers set keys one by one; the proxy resolves through them", () => {
    const file = join(dir, "models.toml");
    writeFileSync(
      file,
      ['[models."llama-3.3-70b"]', "max_output_tokens = 8192", "context_window = 131072", "thinking = false", "", '[models."claude-opus-9*"]', "max_output_tokens = 256000", "thinking = true", ""].join("\n"),
    );
    const loaded = loadConfig({ configDir: noDir, env: { TOKLIGENCE_MODELS__LLAMA_LOCAL__THINKING: "no" }, configFile: file });
    const { config, entries } = loaded;
    expect(config.models).toEqual([
      { pattern: "llama-3.3-70b", maxOutputTokens: 8192, contextWindow: 131072, thinking: false },
      { pattern: "claude-opus-9*", maxOutputTokens: 256000, thinking: true },
      { pattern: "llama_local", thinking: false },
    ]);
    expect(entries.get("models.llama-3.3-70b.max_output_tokens")).toMatchObject({ value: 8192, source: file });
    expect(describeConfig(loaded)).toContainEqual({ key: "models.claude-opus-9*.thinking", value: true, source: file });
    const deps = buildProxyDeps(config, createSilentLogger());
    expect(deps.capabilities!.resolve("Llama-3.3-70B")).toEqual({ thinking: "none", maxOutputTokens: 8192, contextWindow: 131072 });
    expect(deps.capabilities!.resolve("claude-opus-9-1")).toEqual({ thinking: "budget-or-adaptive", maxOutputTokens: 256000 });
  });

  test("an unknown key or a bad value names the key and the layer; no entries by default", () => {
    expect(loadConfig({ configDir: noDir, env: {} }).config.models).toEqual([]);
    const typo = join(dir, "typo.toml");
    writeFileSync(typo, '[models."x"]\nmax_tokens = 10\n');
    expect(() => loadConfig({ configDir: noDir, env: {}, configFile: typo })).toThrow(/unknown configuration key models\.x\.max_tokens/);
    const inherited = join(dir, "inherited.toml");
    writeFileSync(inherited, '[models."x"]\nconstructor = 1\n');
    expect(() => loadConfig({ configDir: noDir, env: {}, configFile: inherited })).toThrow(/unknown configuration key models\.x\.constructor/);
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_MODELS__X__MAX_OUTPUT_TOKENS: "0" } })).toThrow(/models\.x\.max_output_tokens from env TOKLIGENCE_MODELS__X__MAX_OUTPUT_TOKENS: "0" \(allowed: an integer from 1/);
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_MODELS__X__THINKING: "sometimes" } })).toThrow(/models\.x\.thinking/);
  });

  test("K10 expose_reasoning: global default true, gateway switch and per-model entries, the model's word first", () => {
    expect(loadConfig({ configDir: noDir, env: {} }).config.exposeReasoning).toBe(true);
    const { config } = loadConfig({ configDir: noDir, env: { TOKLIGENCE_GATEWAY__EXPOSE_REASONING: "false", TOKLIGENCE_MODELS__LOUD__EXPOSE_REASONING: "true" } });
    expect(config.exposeReasoning).toBe(false);
    expect(config.models).toEqual([{ pattern: "loud", exposeReasoning: true }]);
    const deps = buildProxyDeps(config, createSilentLogger());
    expect(deps.capabilities!.exposeReasoning("loud")).toBe(true);
    expect(deps.capabilities!.exposeReasoning("other")).toBeUndefined();
  });
});
