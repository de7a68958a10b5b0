import { expect, test } from "bun:test";
import { loadConfig } from "../../../src/config/load";
import { describeConfig } from "../../../src/config/show";

/**
 * `gateway config show` promises every effective key, but `auth.disabled` was left out while
 * unset (its default), so the one setting an operator most wants to read, whether model
 * endpoints need a key, was missing from it. Unset, the row says what the host decides.
 */
const noDir = "/nonexistent-config-dir";
const authRow = (env: Record<string, string>) => describeConfig(loadConfig({ configDir: noDir, env })).find((row) => row.key === "auth.disabled");

test("auth.disabled unset: shown as null with what the listen address makes of it", () => {
  expect(authRow({})).toEqual({ key: "auth.disabled", value: null, source: "unset: auth off on model endpoints (server.host 127.0.0.1 is loopback only)" });
  expect(authRow({ TOKLIGENCE_HOST: "0.0.0.0" })).toEqual({ key: "auth.disabled", value: null, source: "unset: auth on on model endpoints (server.host 0.0.0.0 is reachable beyond loopback)" });
});

test("auth.disabled set: its value and layer, as any key", () => {
  expect(authRow({ TOKLIGENCE_AUTH_DISABLED: "false" })).toEqual({ key: "auth.disabled", value: false, source: "env TOKLIGENCE_AUTH_DISABLED" });
});
