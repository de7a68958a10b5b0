import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../../src/config/load";

/**
 * A database.url of a scheme the gateway cannot open (mysql://, a misspelt postgress://) used to
 * pass the configuration and stop the daemon later, at the database, with a fatal line and a
 * stack trace that named neither the key nor the layer it came from, unlike every other bad value
 * (README "Configuration": "A bad value stops the start with the key, the layer and what is allowed").
 */
const noDir = "/nonexistent-config-dir";

function messageOf(env: Record<string, string>, flags: { databaseUrl?: string } = {}): string {
  try {
    loadConfig({ configDir: noDir, env, flags });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("loadConfig accepted the value");
}

describe("database.url", () => {
  test("an unsupported scheme is a configuration error naming the key, the layer and what is allowed, without the password", () => {
    expect(messageOf({ TOKLIGENCE_DATABASE_URL: "mysql://gw:db-SECRET@db.internal/gateway" })).toBe(
      'invalid value for database.url from env TOKLIGENCE_DATABASE_URL: scheme "mysql://" (allowed: postgres://… or postgresql://… for PostgreSQL, or a SQLite file path, also as sqlite:…)',
    );
    expect(messageOf({}, { databaseUrl: "postgress://gw:db-SECRET@db/gateway" })).toContain('invalid value for database.url from flag --database-url: scheme "postgress://"');
    expect(messageOf({ TOKLIGENCE_LEDGER_PATH: "mysql://x/y" })).toContain("invalid value for database.url from env TOKLIGENCE_LEDGER_PATH");
  });

  test("PostgreSQL URLs, SQLite paths and sqlite: URLs are accepted as before", () => {
    for (const url of ["postgres://gw@db/gateway", "POSTGRESQL://gw@db/gateway", "/var/lib/gw/ledger.db", "./gateway.db", "sqlite:///tmp/gw.db", ":memory:", ""]) {
      expect(loadConfig({ configDir: noDir, env: { TOKLIGENCE_DATABASE_URL: url } }).config.databaseUrl).toBe(url);
    }
  });
});
