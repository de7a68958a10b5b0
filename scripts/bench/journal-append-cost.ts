/**
 * What one durable ledger append costs, as the gateway's journal does it (a SQLite commit in WAL
 * mode, `synchronous=FULL`, exclusive lock) against the least a durable append can be (one
 * `write` of the same record to a plain file, then `fdatasync`), each measured cold (after
 * touching 8 MB, as a request's other work evicts the caches at one connection) and hot.
 *
 *   node_modules/.bin/bun scripts/bench/journal-append-cost.ts [directory] [--appends 3000]
 *
 * Run it once on tmpfs (/dev/shm, the bench's database) and once on the disk that holds the data
 * directory: the answer differs (scripts/bench/MEASUREMENTS.md, twenty-first session).
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { claimLedgerJournal, encodeJournalRecord } from "../../src/store/ledger-journal";
import type { UsageRow } from "../../src/store/types";

const { values: flags, positionals } = parseArgs({ options: { appends: { type: "string", default: "3000" } }, allowPositionals: true });
const appends = Number(flags.appends);
const directory = mkdtempSync(join(positionals[0] ?? "/dev/shm", "journal-append-"));

const row: UsageRow = {
  requestId: "req_0192ab3c4d5e6f708192a3b4c5d6e7f8",
  clientRequestId: null,
  userId: null,
  apiKeyId: null,
  endpoint: "/v1/chat/completions",
  clientProtocol: "openai-chat",
  modelRequested: "gpt-4.1-mini",
  modelServed: "gpt-4.1-mini",
  provider: "openai",
  upstreamProtocol: "openai-chat",
  stream: false,
  status: 200,
  errorCode: null,
  promptTokens: 42,
  completionTokens: 20,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  usageEstimated: false,
  costMicroUsd: 49,
  latencyMs: 1,
  ttftMs: null,
  startedAt: new Date(),
  createdAt: new Date(),
} as UsageRow;

const journal = claimLedgerJournal(join(directory, "ledger"), { synchronous: "FULL" });
if (!journal) throw new Error("could not claim a fresh journal");
const file = openSync(join(directory, "plain.log"), "a");
const record = `${encodeJournalRecord([row])}\n`;

const scratch = new Uint8Array(8 << 20);
/** Touch every cache line of 8 MB: what a request's own work does to the caches between two appends. */
function evictCaches(): void {
  for (let index = 0; index < scratch.length; index += 64) scratch[index]! += 1;
}

function timeMicros(work: () => void): number {
  const start = Bun.nanoseconds();
  work();
  return (Bun.nanoseconds() - start) / 1000;
}

const median = (samples: number[]) => samples.sort((a, b) => a - b)[samples.length >> 1]!.toFixed(1);

for (const cold of [true, false]) {
  const sqlite: number[] = [];
  const plain: number[] = [];
  for (let index = 0; index < appends; index++) {
    if (cold) evictCaches();
    sqlite.push(timeMicros(() => journal.append([row])));
    if (cold) evictCaches();
    plain.push(
      timeMicros(() => {
        writeSync(file, record);
        fdatasyncSync(file);
      }),
    );
  }
  console.log(`${cold ? "cold" : "hot "}  journal (SQLite WAL, FULL) ${median(sqlite)} µs   plain file + fdatasync ${median(plain)} µs   (median of ${appends}, ${positionals[0] ?? "/dev/shm"})`);
}

journal.close();
closeSync(file);
rmSync(directory, { recursive: true, force: true });
