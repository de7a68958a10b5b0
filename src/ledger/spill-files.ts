/**
 * Where PostgreSQL deployments spill usage rows when the database cannot be reached
 * (ledger-spill.ts): files in the data directory named
 *
 *   ledger-spill-<database>-<replica>.db
 *
 * `<database>` is a short hash of the database URL without its password, so a data directory
 * shared by gateways of different databases (or a test machine) never imports one database's
 * rows into another. `<replica>` is the host name (a pod name), so replicas sharing a data
 * directory write to different files; a second process with the same host name on the same
 * directory takes `<host>-<pid>` instead (the first holds its file locked). Which replica wrote a
 * file does not matter for recovery: a gateway starting up imports every spill file of its
 * database whose owner is gone (the owner holds an exclusive lock for its whole life), whatever
 * the name.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { redactDatabaseUrl } from "../store/open-store";

const PREFIX = "ledger-spill-";
const SUFFIX = ".db";

/** The database part of a spill file's name: 12 hex digits of the URL's hash, password left out. */
export function spillDatabaseTag(databaseUrl: string): string {
  return createHash("sha256").update(redactDatabaseUrl(databaseUrl)).digest("hex").slice(0, 12);
}

/** A host name reduced to what is safe in a file name everywhere. */
export function spillReplicaTag(host: string = hostname()): string {
  const safe = host.toLowerCase().replace(/[^a-z0-9.-]+/g, "_").slice(0, 64);
  return safe === "" ? "replica" : safe;
}

/**
 * The names this replica tries, in order: its host name, then host and pid (another live process
 * on this directory has the host name's file), then a counter (several gateways in one process:
 * tests).
 */
export function spillFileCandidates(dataDir: string, databaseUrl: string, host?: string, pid: number = process.pid): string[] {
  const base = `${PREFIX}${spillDatabaseTag(databaseUrl)}-${spillReplicaTag(host)}`;
  const names = [base, `${base}-${pid}`, `${base}-${pid}-2`, `${base}-${pid}-3`];
  return names.map((name) => join(dataDir, `${name}${SUFFIX}`));
}

/** Spill files in `dataDir`, split into this database's and other databases' (by name only). */
export function listSpillFiles(dataDir: string, databaseUrl: string): { ours: string[]; others: string[] } {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return { ours: [], others: [] }; // no data directory yet: nothing was ever spilled here
  }
  const ourPrefix = `${PREFIX}${spillDatabaseTag(databaseUrl)}-`;
  const spills = names.filter((name) => name.startsWith(PREFIX) && name.endsWith(SUFFIX)).sort();
  return {
    ours: spills.filter((name) => name.startsWith(ourPrefix)).map((name) => join(dataDir, name)),
    others: spills.filter((name) => !name.startsWith(ourPrefix)).map((name) => join(dataDir, name)),
  };
}
