import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPeerSpillAdoption } from "../../../src/ledger/adopt-peer-spills";
import { importLeftoverSpills } from "../../../src/ledger/import-spills";
import { openLedgerSpill } from "../../../src/ledger/open-spill";
import { createLedgerSink } from "../../../src/ledger/ledger-sink";
import { createLedgerSpill, type LedgerSpillOptions } from "../../../src/ledger/ledger-spill";
import { listSpillFiles, spillDatabaseTag, spillFileCandidates, spillReplicaTag } from "../../../src/ledger/spill-files";
import { claimLedgerJournal } from "../../../src/store/ledger-journal";
import type { Store, UsageRow } from "../../../src/store/types";
import { makeLedgerEntry } from "../../support/ledger-entries";

const DATABASE_URL = "postgres://gw:secret@db.internal:5432/gateway";

/** A row with what the journal encodes (its format checks the number of values). */
function row(requestId: string): UsageRow {
  const at = new Date(1_700_000_000_000);
  return {
    requestId, clientRequestId: null, userId: 1, apiKeyId: null, endpoint: "/v1/chat/completions", clientProtocol: "openai-chat",
    modelRequested: "gpt-4o", modelServed: "gpt-4o", provider: "openai", upstreamProtocol: "openai-chat", stream: false, status: 200, errorCode: null,
    promptTokens: 1, completionTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, usageEstimated: false, costMicroUsd: null,
    latencyMs: 5, ttftMs: null, startedAt: at, createdAt: at,
  } as UsageRow;
}

/** postgres.js's error for a server that refused the connection: what the classifier calls unreachable. */
const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

/** A stand-in for PostgreSQL's usage table: unique request ids (the insert skips those present), switchable off. */
function fakeDatabase() {
  const ids = new Set<string>();
  const state = { down: false, inserts: 0, ids };
  const insertBatch = async (rows: UsageRow[]) => {
    state.inserts += 1;
    if (state.down) throw refused();
    for (const r of rows) ids.add(r.requestId);
  };
  return Object.assign(state, { insertBatch });
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; object: Record<string, unknown> }> = [];
  const push = (level: string) => (object: object, message: string) => void lines.push({ level, message, object: object as Record<string, unknown> });
  return { lines, info: push("info"), warn: push("warn"), error: push("error") };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gw-spill-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function spillIn(dir: string, database: ReturnType<typeof fakeDatabase>, logger = recordingLogger(), extra: Partial<LedgerSpillOptions> = {}) {
  return createLedgerSpill({ candidates: spillFileCandidates(dir, DATABASE_URL, "pod-a"), insertBatch: database.insertBatch, logger, intervalMs: 10, maxRetryDelayMs: 20, ...extra });
}

describe("spill file names", () => {
  test("one database tag per URL whatever the password, another for another database; the host name as replica", () => {
    expect(spillDatabaseTag(DATABASE_URL)).toBe(spillDatabaseTag("postgres://gw:rotated@db.internal:5432/gateway"));
    expect(spillDatabaseTag(DATABASE_URL)).not.toBe(spillDatabaseTag("postgres://gw:secret@db.internal:5432/other"));
    expect(spillReplicaTag("Gateway-7f9c/../x")).toBe("gateway-7f9c_.._x");
    const [first, second] = spillFileCandidates("/data", DATABASE_URL, "pod-a", 42);
    expect(first).toBe(`/data/ledger-spill-${spillDatabaseTag(DATABASE_URL)}-pod-a.db`);
    expect(second).toBe(`/data/ledger-spill-${spillDatabaseTag(DATABASE_URL)}-pod-a-42.db`);
    expect(first).not.toContain("secret");
  });

  test("listing splits this database's spill files from other databases'", () => {
    const dir = tempDir();
    const ours = spillFileCandidates(dir, DATABASE_URL, "pod-a")[0]!;
    const theirs = spillFileCandidates(dir, "postgres://gw@elsewhere/db", "pod-a")[0]!;
    for (const path of [ours, theirs, join(dir, "gateway.db"), `${ours}-wal`]) writeFileSync(path, "");
    expect(listSpillFiles(dir, DATABASE_URL)).toEqual({ ours: [ours], others: [theirs] });
    expect(listSpillFiles(join(dir, "missing"), DATABASE_URL)).toEqual({ ours: [], others: [] });
  });
});

describe("ledger spill", () => {
  test("while PostgreSQL answers: rows go straight to it and no file is made", async () => {
    const dir = tempDir();
    const database = fakeDatabase();
    const spill = spillIn(dir, database);
    await spill.write([row("a")]);
    expect([...database.ids]).toEqual(["a"]);
    expect(spill.takeFailed([row("b")], new Error("syntax error at or near"))).toBe(false); // a fault, not an outage
    expect(readdirSync(dir)).toEqual([]);
    expect(spill.pendingCount()).toBe(0);
    await spill.close();
  });

  test("an unreachable database: rows are durable in the file, later rows join them without a connection attempt, and all move once it is back; one line each way", async () => {
    const dir = tempDir();
    const database = fakeDatabase();
    const logger = recordingLogger();
    const spill = spillIn(dir, database, logger);
    database.down = true;
    expect(spill.takeFailed([row("a"), row("b")], refused())).toBe(true);
    const path = spillFileCandidates(dir, DATABASE_URL, "pod-a")[0]!;
    expect(existsSync(path)).toBe(true);
    expect(spill.pendingCount()).toBe(2);
    const insertsBefore = database.inserts;
    await spill.write([row("c")]);
    expect(database.inserts).toBe(insertsBefore); // joined the spill, PostgreSQL not tried for it
    expect(spill.pendingCount()).toBe(3);
    await Bun.sleep(100); // the mover keeps trying in the background: no line per failure
    expect(logger.lines.map((line) => `${line.level} ${line.message}`)).toEqual([expect.stringMatching(/^warn PostgreSQL unreachable: usage rows go to the local ledger spill/)]);
    expect(JSON.stringify(logger.lines)).not.toContain("secret");

    database.down = false;
    for (let i = 0; i < 50 && spill.pendingCount() > 0; i++) await Bun.sleep(10);
    expect(spill.pendingCount()).toBe(0);
    expect([...database.ids].sort()).toEqual(["a", "b", "c"]);
    expect(logger.lines.at(-1)).toMatchObject({ level: "info", message: "ledger spill drained: every spilled usage row is now in PostgreSQL", object: { rows: 3 } });
    const insertsNow = database.inserts;
    await spill.write([row("d")]); // straight to PostgreSQL again
    expect(database.inserts).toBe(insertsNow + 1);
    expect(database.ids.has("d")).toBe(true);
    await spill.close();
  });

  test("a silent database (a partition): the batch goes to the spill after the request bound, not after the silence timeout; the insert that answers late changes nothing", async () => {
    const dir = tempDir();
    const database = fakeDatabase();
    const logger = recordingLogger();
    // Inserts hang until released, as on a connection whose packets are dropped; released, each commits.
    const held: Array<() => void> = [];
    let silent = true;
    const insertBatch = (rows: UsageRow[]) => (silent ? new Promise<void>((resolve) => held.push(() => void database.insertBatch(rows).then(resolve))) : database.insertBatch(rows));
    const spill = spillIn(dir, database, logger, { insertBatch, requestTimeoutMs: 50 });
    const sink = createLedgerSink({} as Store, { prices: null, logger, write: (rows) => spill.write(rows), onWriteFailed: (rows, error) => spill.takeFailed(rows, error), spilledCount: () => spill.pendingCount() });
    const entry = (requestId: string) => makeLedgerEntry({ requestId });

    const started = Date.now();
    await sink.record(entry("late"));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(spill.pendingCount()).toBe(1);
    expect(held).toHaveLength(1);
    // Later rows join the spill without waiting for PostgreSQL.
    const joining = Date.now();
    await sink.record(entry("joined"));
    expect(Date.now() - joining).toBeLessThan(40);
    expect(held.length).toBeLessThanOrEqual(2); // at most the mover's own try, never another request's wait

    // The partition heals: the timed-out insert commits after all, and the mover moves the spill.
    silent = false;
    for (const answer of held.splice(0)) answer();
    await spill.flush();
    expect(spill.pendingCount()).toBe(0);
    expect([...database.ids].sort()).toEqual(["joined", "late"]);
    expect(logger.lines.filter((line) => line.level === "error")).toEqual([]);
    expect(logger.lines[0]).toMatchObject({ level: "warn", message: expect.stringMatching(/^PostgreSQL unreachable: usage rows go to the local ledger spill/), object: { err: expect.objectContaining({ code: "DATABASE_DEADLINE_EXCEEDED" }) } });
    await sink.close();
    await spill.close();
  });

  test("a local disk that cannot be written either: not spilled (the answer waits), logged once", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a-file"), "");
    const database = fakeDatabase();
    const logger = recordingLogger();
    // A data directory below a regular file cannot be created (root ignores permission bits).
    const spill = createLedgerSpill({ candidates: spillFileCandidates(join(dir, "a-file", "data"), DATABASE_URL, "pod-a"), insertBatch: database.insertBatch, logger });
    expect(spill.takeFailed([row("a")], refused())).toBe(false);
    expect(spill.takeFailed([row("a")], refused())).toBe(false);
    expect(logger.lines.map((line) => `${line.level} ${line.message}`)).toEqual([expect.stringMatching(/^error ledger spill cannot be written either/)]);
    expect(spill.pendingCount()).toBe(0);
    await spill.close();
  });

  test("two processes' worth of spills on one data directory (same host name) take different files", async () => {
    const dir = tempDir();
    const database = fakeDatabase();
    database.down = true;
    const first = spillIn(dir, database);
    const second = spillIn(dir, database);
    expect(first.takeFailed([row("a")], refused())).toBe(true);
    expect(second.takeFailed([row("b")], refused())).toBe(true);
    const [name, withPid] = spillFileCandidates(dir, DATABASE_URL, "pod-a");
    expect(existsSync(name!)).toBe(true);
    expect(existsSync(withPid!)).toBe(true);
    await first.close();
    await second.close();
  });

  test("rows left at shutdown stay in the file; the next start imports them exactly once; a live replica's file is left to it", async () => {
    const dir = tempDir();
    const database = fakeDatabase();
    const logger = recordingLogger();
    database.down = true;
    const spill = spillIn(dir, database, logger, { closeWaitMs: 50 });
    expect(spill.takeFailed([row("a"), row("b")], refused())).toBe(true);
    await spill.close();
    expect(logger.lines.some((line) => line.level === "warn" && line.message.startsWith("ledger spill closed with usage rows"))).toBe(true);

    // Another replica of this database still running, with rows of its own in its file.
    const live = claimLedgerJournal(spillFileCandidates(dir, DATABASE_URL, "pod-b")[0]!, { synchronous: "FULL" })!;
    live.append([row("live")]);

    database.down = false;
    const startLogger = recordingLogger();
    expect(await importLeftoverSpills(dir, DATABASE_URL, database.insertBatch, startLogger)).toBe(2);
    expect([...database.ids].sort()).toEqual(["a", "b"]);
    expect(startLogger.lines).toEqual([expect.objectContaining({ level: "info", message: "imported usage rows a previous run left in the ledger spill", object: expect.objectContaining({ rows: 2 }) })]);
    expect(await importLeftoverSpills(dir, DATABASE_URL, database.insertBatch, recordingLogger())).toBe(0);
    live.close();
    expect(await importLeftoverSpills(dir, DATABASE_URL, database.insertBatch, recordingLogger())).toBe(1);
    expect(database.ids.has("live")).toBe(true);
  });

  test("an import interrupted by the database going away again fails the start and keeps the rows; a spill of another database URL is only named in a warning", async () => {
    const dir = tempDir();
    const ours = claimLedgerJournal(spillFileCandidates(dir, DATABASE_URL, "pod-a")[0]!, { synchronous: "FULL" })!;
    ours.append([row("a")]);
    ours.close();
    const theirs = claimLedgerJournal(spillFileCandidates(dir, "postgres://gw@elsewhere/db", "pod-a")[0]!, { synchronous: "FULL" })!;
    theirs.append([row("elsewhere")]);
    theirs.close();

    const database = fakeDatabase();
    database.down = true;
    await expect(importLeftoverSpills(dir, DATABASE_URL, database.insertBatch, recordingLogger())).rejects.toThrow("ECONNREFUSED");
    database.down = false;
    const logger = recordingLogger();
    expect(await importLeftoverSpills(dir, DATABASE_URL, database.insertBatch, logger)).toBe(1);
    expect([...database.ids]).toEqual(["a"]);
    expect(logger.lines.at(-1)).toMatchObject({ level: "warn", message: expect.stringContaining("another database URL"), object: { spills: [expect.stringContaining("ledger-spill-")] } });
  });

  test("a spill claimed after a process of the same name died with rows in it moves those rows too", async () => {
    const dir = tempDir();
    const left = claimLedgerJournal(spillFileCandidates(dir, DATABASE_URL, "pod-a")[0]!, { synchronous: "FULL" })!;
    left.append([row("left-behind")]);
    left.close();
    const database = fakeDatabase();
    database.down = true;
    const spill = spillIn(dir, database);
    expect(spill.takeFailed([row("new")], refused())).toBe(true);
    expect(spill.pendingCount()).toBe(2);
    database.down = false;
    await spill.flush();
    expect([...database.ids].sort()).toEqual(["left-behind", "new"]);
    await spill.close();
  });
});

describe("running replicas adopt dead peers' spills", () => {
  /** A spill file left by a replica that died with `ids` in it. */
  function deadPeerSpill(dir: string, host: string, ids: string[], databaseUrl = DATABASE_URL): string {
    const path = spillFileCandidates(dir, databaseUrl, host)[0]!;
    const journal = claimLedgerJournal(path, { synchronous: "FULL" })!;
    journal.append(ids.map(row));
    journal.close();
    return path;
  }

  test("a sweep imports a dead peer's rows once; a live peer's file, this replica's own and another database's are left alone; an outage stops the pass with the rows kept", async () => {
    const dir = tempDir();
    const database = fakeDatabase();
    const logger = recordingLogger();
    deadPeerSpill(dir, "pod-dead", ["dead-1", "dead-2"]);
    deadPeerSpill(dir, "pod-dead", ["elsewhere"], "postgres://gw@elsewhere/db");
    const live = claimLedgerJournal(spillFileCandidates(dir, DATABASE_URL, "pod-live")[0]!, { synchronous: "FULL" })!;
    live.append([row("live")]);
    // This replica's own spill, holding rows PostgreSQL refused a moment ago.
    database.down = true;
    const own = spillIn(dir, database, logger, { closeWaitMs: 20 });
    expect(own.takeFailed([row("own")], refused())).toBe(true);

    const adoption = startPeerSpillAdoption({ dataDir: dir, databaseUrl: DATABASE_URL, insertBatch: database.insertBatch, logger, intervalMs: 60_000 });
    // Still down: nothing imported, nothing lost, no error line (the own spill already said why).
    expect(await adoption.sweep()).toBe(0);
    expect(logger.lines.filter((line) => line.level === "error")).toEqual([]);

    database.down = false;
    expect(await adoption.sweep()).toBe(2);
    expect([...database.ids].sort()).toEqual(["dead-1", "dead-2"]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: "info", message: "imported usage rows a stopped replica left in its ledger spill", object: expect.objectContaining({ rows: 2 }) }));
    expect(await adoption.sweep()).toBe(0);

    // The live peer stops: its rows are adopted at the next pass.
    live.close();
    expect(await adoption.sweep()).toBe(1);
    expect(database.ids.has("live")).toBe(true);
    expect(database.ids.has("own")).toBe(false); // moved by its own mover, never by the sweep
    expect(database.ids.has("elsewhere")).toBe(false);
    await adoption.stop();
    await own.close();
  });

  test("the timer sweeps by itself, and a spill that drains sweeps at once (the outage may have ended a peer too)", async () => {
    const dir = tempDir();
    const database = fakeDatabase();
    const logger = recordingLogger();
    deadPeerSpill(dir, "pod-timer", ["by-timer"]);
    const ticking = startPeerSpillAdoption({ dataDir: dir, databaseUrl: DATABASE_URL, insertBatch: database.insertBatch, logger, intervalMs: 10 });
    for (let waited = 0; !database.ids.has("by-timer") && waited < 2_000; waited += 10) await Bun.sleep(10);
    expect(database.ids.has("by-timer")).toBe(true);
    await ticking.stop();

    const adoption = startPeerSpillAdoption({ dataDir: dir, databaseUrl: DATABASE_URL, insertBatch: database.insertBatch, logger, intervalMs: 60_000 });
    database.down = true;
    const spill = spillIn(dir, database, logger, { onDrained: () => void adoption.sweep() });
    expect(spill.takeFailed([row("spilled")], refused())).toBe(true);
    // A peer dies during the outage.
    deadPeerSpill(dir, "pod-gone", ["gone"]);
    database.down = false;
    for (let waited = 0; !database.ids.has("gone") && waited < 2_000; waited += 10) await Bun.sleep(10);
    expect([...database.ids].sort()).toEqual(["by-timer", "gone", "spilled"]);
    await adoption.stop();
    await spill.close();
  });

  test("the daemon's spill (openLedgerSpill) sweeps when it drains, and stops its sweep when closed", async () => {
    const dir = tempDir();
    const database = fakeDatabase();
    const store = { dialect: "postgres", usage: { insertBatch: database.insertBatch } } as unknown as Store;
    const spill = (await openLedgerSpill(store, { dataDir: dir, databaseUrl: DATABASE_URL }, recordingLogger()))!;
    database.down = true;
    expect(spill.takeFailed([row("spilled")], refused())).toBe(true);
    deadPeerSpill(dir, "pod-gone", ["gone"]);
    database.down = false;
    for (let waited = 0; !database.ids.has("gone") && waited < 3_000; waited += 10) await Bun.sleep(10);
    expect([...database.ids].sort()).toEqual(["gone", "spilled"]);
    await spill.close();
  });

  test("a spill file that cannot be read is logged once and left for an operator, not retried every pass", async () => {
    const dir = tempDir();
    const database = fakeDatabase();
    const logger = recordingLogger();
    writeFileSync(spillFileCandidates(dir, DATABASE_URL, "pod-broken")[0]!, "this is not a SQLite database, it is long enough to have a header ".repeat(4));
    deadPeerSpill(dir, "pod-fine", ["fine"]);
    const adoption = startPeerSpillAdoption({ dataDir: dir, databaseUrl: DATABASE_URL, insertBatch: database.insertBatch, logger, intervalMs: 60_000 });
    expect(await adoption.sweep()).toBe(1);
    expect(await adoption.sweep()).toBe(0);
    expect(logger.lines.filter((line) => line.level === "error")).toHaveLength(1);
    expect(logger.lines.find((line) => line.level === "error")!.message).toContain("it is kept");
    await adoption.stop();
  });
});
