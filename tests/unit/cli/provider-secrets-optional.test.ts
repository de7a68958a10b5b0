import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processCliContext } from "../../../cli/ledger-context";
import { loadConfigFromArgs } from "../../../cli/shared-options";

/**
 * An operator runs `gateway admin users create --config team.toml` from an ops shell, with the
 * daemon's config file, whose provider keys are "env:NAME" references set only where the daemon
 * runs. The database commands never call a provider, so they must not need those secrets; the
 * daemon still refuses to start without them, and an unset database URL is never skipped (the
 * command would silently work on a local SQLite file instead).
 */
const dir = mkdtempSync(join(tmpdir(), "gw-cli-secrets-"));
const savedConfigDir = process.env.TOKLIGENCE_CONFIG_DIR;
process.env.TOKLIGENCE_CONFIG_DIR = join(dir, "no-config");
afterAll(() => {
  if (savedConfigDir === undefined) delete process.env.TOKLIGENCE_CONFIG_DIR;
  else process.env.TOKLIGENCE_CONFIG_DIR = savedConfigDir;
  rmSync(dir, { recursive: true, force: true });
});

function configFile(name: string, databaseUrl: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      "[database]",
      `url = "${databaseUrl}"`,
      "[providers.openai]",
      'kind = "openai"',
      'base_url = "http://127.0.0.1:9/v1"',
      'api_keys = ["env:GW_TEST_UNSET_OPENAI_KEY"]',
      "[providers.anthropic]",
      'kind = "anthropic"',
      'base_url = "http://127.0.0.1:9"',
      'api_keys = ["env:GW_TEST_UNSET_ANTHROPIC_KEY"]',
    ].join("\n"),
  );
  return file;
}

test("database commands load the daemon's config file without its provider secrets", () => {
  const file = configFile("team.toml", "postgres://postgres@127.0.0.1:5432/team");
  const { config } = processCliContext.loadConfig({ config: file });
  expect(config.databaseUrl).toBe("postgres://postgres@127.0.0.1:5432/team");
  expect(config.providers.find((provider) => provider.name === "openai")?.apiKeys).toEqual([]);
  // The daemon does call providers: it still names every unset variable.
  expect(() => loadConfigFromArgs({ config: file })).toThrow(/GW_TEST_UNSET_OPENAI_KEY.*GW_TEST_UNSET_ANTHROPIC_KEY/);
});

test("an unset database URL still stops a database command", () => {
  const file = configFile("unset-db.toml", "env:GW_TEST_UNSET_DATABASE_URL");
  expect(() => processCliContext.loadConfig({ config: file })).toThrow(/GW_TEST_UNSET_DATABASE_URL/);
});
