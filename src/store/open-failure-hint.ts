/**
 * Why a file the gateway must create or write (the SQLite database, the log directory) could not
 * be opened, and what to do about it. The usual case is a Docker bind mount: the host directory
 * is owned by root while the image runs as uid 65532, and SQLite only says "unable to open
 * database file", which names neither the directory nor the user.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** Node's permission errors and SQLite's open/permission failures (bun:sqlite sets `code`). */
const OPEN_FAILURE_CODES = new Set(["EACCES", "EPERM", "EROFS", "SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM"]);
const OPEN_FAILURE_MESSAGE = /unable to open database file|readonly database|permission denied|read-only file system/i;

/** Whether the error is a failure to open, create or write a file, rather than anything else. */
export function isOpenFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (typeof code === "string" && OPEN_FAILURE_CODES.has(code)) || (typeof message === "string" && OPEN_FAILURE_MESSAGE.test(message));
}

/** The process's user, as `chown` wants it (undefined where the platform has none, e.g. Windows). */
export interface ProcessIdentity {
  uid: number;
  gid: number;
}

function currentIdentity(): ProcessIdentity | undefined {
  return typeof process.getuid === "function" && typeof process.getgid === "function" ? { uid: process.getuid(), gid: process.getgid() } : undefined;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The directory that has to take the new file: the nearest one that exists on the way up. */
function nearestExistingDirectory(path: string): string {
  let directory = path;
  while (!existsSync(directory) && dirname(directory) !== directory) directory = dirname(directory);
  return directory;
}

/**
 * The likely cause and the fix for a failure to open `target` (a file to create or write), or
 * undefined when the error is not an open or permission failure. `target` is the file itself;
 * the hint names whichever of the file and its directory stands in the way.
 */
export function describeOpenFailure(error: unknown, target: string, identity: ProcessIdentity | undefined = currentIdentity()): string | undefined {
  if (!isOpenFailure(error) || target === ":memory:") return undefined;
  if ((error as { code?: unknown }).code === "EROFS" || /read-only file system/i.test(String((error as { message?: unknown }).message))) {
    return `${dirname(target)} is on a read-only file system: mount it read-write, or choose another data directory (TOKLIGENCE_DATA_DIR)`;
  }
  // An existing file the gateway may not write is the culprit; otherwise the directory that must take it.
  const blocking = existsSync(target) && !writable(target) ? target : nearestExistingDirectory(dirname(target));
  const what = blocking === target ? "the file" : "the directory";
  let owner = "";
  try {
    const stat = statSync(blocking);
    owner = ` is owned by uid ${stat.uid} (gid ${stat.gid}, mode ${(stat.mode & 0o777).toString(8).padStart(3, "0")})`;
  } catch {
    // Not even stat-able (a parent without search permission): say what we can.
  }
  const user = identity ? `uid ${identity.uid} (gid ${identity.gid})` : "the gateway's user";
  const chown = identity ? `\`chown -R ${identity.uid}:${identity.gid} ${blocking}\`` : "`chown -R <user> " + blocking + "`";
  return (
    `likely a permission problem: ${what} ${blocking}${owner}, and the gateway runs as ${user}, which must be able to create and write files there. ` +
    `Fix: ${chown} (for a Docker bind mount, on the host directory: the image runs as uid 65532), or choose another data directory (TOKLIGENCE_DATA_DIR)`
  );
}

/**
 * The cause and fix when a directory on the way to `target` could not be made because a part of
 * its path is a file (ENOTDIR) or cannot hold directories (ENOENT under /proc, a missing mount);
 * undefined for any other failure. Node's own message names only the path it tried to make.
 */
export function describePathFailure(error: unknown, target: string): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code !== "ENOTDIR" && code !== "ENOENT") return undefined;
  const fix = "choose another data directory (--data-dir or TOKLIGENCE_DATA_DIR)";
  const existing = nearestExistingPath(target);
  try {
    if (existing !== target && !statSync(existing).isDirectory()) return `${existing} is a file, not a directory: ${fix}`;
  } catch {
    // Not stat-able: fall through to the general wording.
  }
  return `${target} cannot be created: ${fix}`;
}

/** The nearest path on the way up from `path` that exists (file or directory). */
function nearestExistingPath(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}
