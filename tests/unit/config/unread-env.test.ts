import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../../src/config/load";

/**
 * A typo in a named variable, or a provider's own OPENAI_API_KEY, used to be ignored without a
 * word (config files and generic TOKLIGENCE_<SECTION>__<KEY> names stop the start instead), so a
 * new user met a 404 for every model with no clue why.
 */
const warningsFor = (env: Record<string, string>) => loadConfig({ configDir: "/nonexistent", env }).warnings;

describe("variables the gateway does not read", () => {
  test("a named variable with a typo is named, with the variable it most likely meant", () => {
    expect(warningsFor({ TOKLIGENCE_OPENAI_KEY: "sk-x", TOKLIGENCE_LOGLEVEL: "debug", TOKLIGENCE_UPSTREAM_CLIENT: "fetch" })).toEqual([
      "TOKLIGENCE_LOGLEVEL is not a variable this gateway reads; did you mean TOKLIGENCE_LOG_LEVEL?",
      "TOKLIGENCE_OPENAI_KEY is not a variable this gateway reads; did you mean TOKLIGENCE_OPENAI_API_KEY?",
      "TOKLIGENCE_UPSTREAM_CLIENT is not a variable this gateway reads; did you mean TOKLIGENCE_UPSTREAM__CLIENT?",
    ]);
    expect(warningsFor({ TOKLIGENCE_SOMETHING_ELSE_ENTIRELY: "1" })).toEqual(["TOKLIGENCE_SOMETHING_ELSE_ENTIRELY is not a variable this gateway reads (any key of `gateway config show` is set by TOKLIGENCE_ and its name in capitals with __ for the dot, e.g. TOKLIGENCE_SERVER__PORT)"]);
  });

  test("a provider's own key variable is pointed at the gateway's name while the provider has no key", () => {
    expect(warningsFor({ OPENAI_API_KEY: "sk-x" })).toEqual([
      'OPENAI_API_KEY is set but not read: the gateway takes the openai key from TOKLIGENCE_OPENAI_API_KEY (or api_keys = ["env:OPENAI_API_KEY"] under [providers.openai])',
    ]);
    expect(warningsFor({ OPENAI_API_KEY: "sk-x", TOKLIGENCE_OPENAI_API_KEY: "sk-x" })).toEqual([]);
  });

  test("variables read outside the configuration, and every documented one, pass without a warning", () => {
    const env = {
      TOKLIGENCE_ENV: "dev",
      TOKLIGENCE_CONFIG_DIR: "/nonexistent",
      TOKLIGENCE_GATEWAY_BINARY: "/usr/local/bin/gateway",
      TOKLIGENCE_KEY: "tok_x",
      TOKLIGENCE_PORT: "8081",
      TOKLIGENCE_FACADE_PORT: "8081",
      TOKLIGENCE_LEDGER_PATH: "/tmp/ledger.db",
      TOKLIGENCE_UPSTREAM__IDLE_TIMEOUT_MS: "60000",
    };
    expect(warningsFor(env)).toEqual([]);
  });

  test("the original's TOKLIGENCE_IDENTITY_PATH says where users and keys live instead", () => {
    expect(warningsFor({ TOKLIGENCE_IDENTITY_PATH: "/app/data/identity.db" })[0]).toContain("TOKLIGENCE_IDENTITY_PATH is not read: users and keys live in the one database");
  });
});
