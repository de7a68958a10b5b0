import { expect, test } from "bun:test";
import { loadConfig } from "../../../src/config/load";

/**
 * A route to a hosted provider that has no key (`TOKLIGENCE_ROUTES='claude*=>anthropic'` before
 * the Anthropic key is set, a [providers.deepseek] with models but no api_keys) started without
 * a word, and every request then went out without a key and came back as the provider's 401.
 */
const warningsFor = (env: Record<string, string>) => loadConfig({ configDir: "/nonexistent", env }).warnings.filter((w) => w.includes("has no API key"));

test("a route to a built-in provider without its key names the route and the variable to set", () => {
  expect(warningsFor({ TOKLIGENCE_ROUTES: "claude*=>anthropic" })).toEqual([
    'provider anthropic has no API key, but route "claude*=>anthropic" sends requests to https://api.anthropic.com, which will refuse them; set TOKLIGENCE_ANTHROPIC_API_KEY (or api_keys under [providers.anthropic])',
  ]);
});

test("a declared hosted provider reached through its models list or an alias, once per provider", () => {
  const warnings = warningsFor({
    TOKLIGENCE_PROVIDERS__DEEPSEEK__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__DEEPSEEK__BASE_URL: "https://api.deepseek.com/v1",
    TOKLIGENCE_PROVIDERS__DEEPSEEK__MODELS: "deepseek-*",
    TOKLIGENCE_MODEL_ALIASES: "fast=>deepseek:deepseek-chat",
  });
  expect(warnings).toEqual([
    "provider deepseek has no API key, but its models list (deepseek-*) sends requests to https://api.deepseek.com/v1, which will refuse them; set TOKLIGENCE_PROVIDERS__DEEPSEEK__API_KEYS (or api_keys under [providers.deepseek])",
  ]);
});

test("none for a provider with a key, for a local server over http, or for a provider nothing routes to", () => {
  expect(
    warningsFor({
      TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-x",
      TOKLIGENCE_ROUTES: "claude*=>anthropic,llama*=>local",
      TOKLIGENCE_PROVIDERS__LOCAL__KIND: "openai-compatible",
      TOKLIGENCE_PROVIDERS__LOCAL__BASE_URL: "http://127.0.0.1:11434/v1",
    }),
  ).toEqual([]);
  // A key sent in a header of the provider's own (Azure's api-key) is a key.
  expect(
    warningsFor({
      TOKLIGENCE_ROUTES: "az-*=>azure",
      TOKLIGENCE_PROVIDERS__AZURE__KIND: "openai-compatible",
      TOKLIGENCE_PROVIDERS__AZURE__BASE_URL: "https://example.openai.azure.com/openai/v1",
      TOKLIGENCE_PROVIDERS__AZURE__HEADERS: "api-key: abc",
    }),
  ).toEqual([]);
  // The built-in providers exist without keys; unreferenced, they are simply not routed.
  expect(warningsFor({})).toEqual([]);
});
