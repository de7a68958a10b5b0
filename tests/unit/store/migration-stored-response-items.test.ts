import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { pgMigrations, sqliteMigrations } from "../../../src/store/migrations/embedded";
import { migratePg, migrateSqlite } from "../../../src/store/migrations/run-migrations";
import { openStore } from "../../../src/store/open-store";
import { itemRowsOf } from "../../../src/store/stored-response-items";
import type { Store } from "../../../src/store/types";
import { createPgDatabase, pgSkipReason } from "../../support/test-databases";

/**
 * 0003 adds stored_response_items (the item_reference index) and fills it for the responses a
 * database already holds, so references to them resolve after the upgrade as they did before.
 */

const now = new Date("2030-01-01T00:00:00Z");
// An output item with an id, an input message without one (listed as msg_resp_old_0), an input
// function call output with an id, and an input that is no item at all (a bare string).
const request = { input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }, { id: "fco_in", type: "function_call_output", call_id: "c1", output: "ok" }, "stray"], instructions: null, previous_response_id: null };
const response = { id: "resp_old", object: "response", status: "completed", output: [{ id: "msg_out", type: "message", role: "assistant", content: [] }, { type: "reasoning", summary: [] }] };

/** The rows the migration wrote are the rows a write of the same record writes. */
const asWritten = itemRowsOf({ id: "resp_old", userId: null, model: "m", createdAt: now, expiresAt: null, request, response })
  .map((row) => `${row.itemId}:${row.inOutput}`)
  .sort();
const rowsOf = (rows: Array<{ item_id: string; in_output: unknown }>) => rows.map((row) => `${row.item_id}:${Boolean(row.in_output)}`).sort();

async function expectIndexed(store: Store, userId: number | null) {
  for (const itemId of ["msg_out", "msg_resp_old_0", "fco_in", "item_resp_old_2"]) {
    expect((await store.responses.holdersOfItems([itemId], userId, now)).map((held) => held.id)).toEqual(["resp_old"]);
  }
  expect(await store.responses.holdersOfItems(["msg_out"], 424242, now)).toEqual([]);
}

test("a SQLite database at 0002 upgrades: its stored responses' items are indexed as a new write indexes them", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gw-upgrade-items-"));
  try {
    const old = new Database(join(dataDir, "gateway.db"));
    migrateSqlite(old, sqliteMigrations.slice(0, 3));
    old.run("insert into stored_responses (id, user_id, created_at, expires_at, model, request_json, response_json) values ('resp_old', null, 1700000000000, null, 'm', ?, ?)", [JSON.stringify(request), JSON.stringify(response)]);
    old.close();
    const store = await openStore({ dataDir });
    expect((await store.migrate()).applied).toEqual(["0003_stored_response_items"]);
    await expectIndexed(store, null);
    await store.close();
    const upgraded = new Database(join(dataDir, "gateway.db"));
    expect(rowsOf(upgraded.query("select item_id, in_output from stored_response_items").all() as never)).toEqual(asWritten);
    upgraded.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.skipIf(pgSkipReason !== null)("a PostgreSQL database at 0002 upgrades: its stored responses' items are indexed as a new write indexes them", async () => {
  const database = await createPgDatabase();
  try {
    const store = await database.open();
    const admin = postgres(database.options.databaseUrl!, { max: 1, onnotice: () => {} });
    await migratePg(admin, pgMigrations.slice(0, 3));
    await admin`insert into stored_responses (id, user_id, created_at, expires_at, model, request_json, response_json) values ('resp_old', null, now(), null, 'm', ${admin.json(request)}, ${admin.json(response)})`;
    await admin.end();
    expect((await store.migrate()).applied).toEqual(["0003_stored_response_items"]);
    await expectIndexed(store, null);
    expect(rowsOf(await database.query("select item_id, in_output from stored_response_items"))).toEqual(asWritten);
  } finally {
    await database.drop();
  }
});
