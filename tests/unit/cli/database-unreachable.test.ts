import { expect, test } from "bun:test";
import { runGateway } from "../../support/cli-runner";

/**
 * An ops shell whose database cannot be reached (PostgreSQL down, a wrong host or port) got
 * `error: connect ECONNREFUSED 127.0.0.1:1` from `gateway usage` or `gateway admin …`, and with
 * --json the code "error": neither said it was the database, nor which one, where the daemon
 * names it (README "Database"). The CLI now says which database (password hidden) and answers
 * the catalogue's `database_unavailable`, as the admin API does.
 */
const unreachable = "postgres://ops:pw-SECRET@127.0.0.1:1/gateway";

test("gateway usage --json: database_unavailable naming the database without its password, exit 1", async () => {
  const run = await runGateway(["usage", "--database-url", unreachable, "--json"]);
  expect(run.code).toBe(1);
  const { error } = JSON.parse(run.out) as { error: { message: string; code: string } };
  expect(error.code).toBe("database_unavailable");
  expect(error.message).toStartWith("cannot reach the database postgres://ops:***@127.0.0.1:1/gateway: ");
  expect(error.message).toContain("ECONNREFUSED");
  expect(run.out + run.err).not.toContain("pw-SECRET");
});

test("gateway admin users list and migrate: the same sentence on stderr", async () => {
  for (const args of [["admin", "users", "list"], ["migrate"]]) {
    const run = await runGateway([...args, "--database-url", unreachable]);
    expect(run.code).toBe(1);
    expect(run.err).toStartWith("error: cannot reach the database postgres://ops:***@127.0.0.1:1/gateway: ");
    expect(run.out + run.err).not.toContain("pw-SECRET");
  }
});
