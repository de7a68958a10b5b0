import { expect, test } from "bun:test";
import { loadConfig } from "../../../src/config/load";

/**
 * An empty variable is what a compose file's `TOKLIGENCE_HOST=${HOST}` gives when HOST is unset.
 * For keys where empty means nothing it must stop the start, naming the variable: the host ""
 * listened on every interface and the data dir "" put the database in the working directory.
 */
const load = (env: Record<string, string>) => loadConfig({ configDir: "/nonexistent", env });

test.each([
  ["TOKLIGENCE_HOST", "server.host"],
  ["TOKLIGENCE_DATA_DIR", "gateway.data_dir"],
  ["TOKLIGENCE_ADMIN_EMAIL", "auth.admin_email"],
  ["TOKLIGENCE_SMALL_MODEL", "routing.small_model"],
  ["TOKLIGENCE_ANTHROPIC_VERSION", "providers.anthropic.anthropic_version"],
])("an empty %s stops the start naming %s", (variable, key) => {
  expect(() => load({ [variable]: "" })).toThrow(new RegExp(`${key.replace(/\./g, "\\.")} from env ${variable}: "" \\(allowed: a non-empty string\\)`));
});

test("keys where empty has a meaning still take it", () => {
  const { config } = load({ TOKLIGENCE_DATABASE_URL: "", TOKLIGENCE_OPENAI_ORG: "", TOKLIGENCE_REDIS_URL: "" });
  expect(config.databaseUrl).toBe("");
});

/**
 * `--config` with nothing after it (or `--config=`, or `--config "$CFG"` with CFG unset) gave ""
 * and the start went on without the file the operator meant to load; so did a compose file's
 * `TOKLIGENCE_CONFIG=${CFG}`. Both name what is missing instead.
 */
test("an empty --config stops the start naming the flag", () => {
  expect(() => loadConfig({ configDir: "/nonexistent", env: {}, configFile: "" })).toThrow(/--config needs a file path/);
});

test("an empty TOKLIGENCE_CONFIG stops the start naming the variable", () => {
  expect(() => load({ TOKLIGENCE_CONFIG: "" })).toThrow(/TOKLIGENCE_CONFIG is set but empty/);
});

test("an empty TOKLIGENCE_CONFIG_DIR stops the start naming the variable (it read default.toml from the working directory)", () => {
  expect(() => loadConfig({ env: { TOKLIGENCE_CONFIG_DIR: "" } })).toThrow(/TOKLIGENCE_CONFIG_DIR is set but empty/);
});
