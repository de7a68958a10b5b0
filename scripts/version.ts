/**
 * The one place the build learns its version and commit. The version is package.json's
 * "version" (the upstream project had four disagreeing version strings, upstream notes
 * §4.1); the commit is `git rev-parse --short=12 HEAD`, or GW_COMMIT from the environment
 * when there is no .git (the Docker build context excludes it and passes a build arg).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface BuildInfo {
  /** Semver from package.json, e.g. "0.1.0". */
  version: string;
  /** Short commit id, "-dirty" suffixed when the tree has local changes, or "unknown". */
  commit: string;
}

/** Root of the repository (scripts/ lives directly under it). */
export const REPO_ROOT = join(import.meta.dir, "..");

/** Reads "version" from the root package.json and checks it is a plain semver. */
export function readVersion(root: string = REPO_ROOT): string {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: unknown };
  const version = pkg.version;
  // PEP 440 and npm must both accept it, so allow only X.Y.Z with an optional pre-release.
  if (typeof version !== "string" || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(version)) {
    throw new Error(`package.json "version" is not a plain semver: ${JSON.stringify(version)}`);
  }
  return version;
}

/** Reads the commit from GW_COMMIT or git; "unknown" when neither is available. */
export function readCommit(root: string = REPO_ROOT): string {
  const fromEnv = process.env.GW_COMMIT?.trim();
  if (fromEnv) return fromEnv;
  // Typed from the call itself: its piped stdout is a Buffer (the generic default allows undefined).
  const spawnHead = () => Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: root, stderr: "ignore" });
  let head: ReturnType<typeof spawnHead>;
  try {
    head = spawnHead();
  } catch {
    return "unknown"; // no git executable (e.g. a minimal build image)
  }
  if (head.exitCode !== 0) return "unknown";
  const sha = head.stdout.toString().trim();
  const status = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: root, stderr: "ignore" });
  const dirty = status.exitCode === 0 && status.stdout.toString().trim() !== "";
  return dirty ? `${sha}-dirty` : sha;
}

/** Reads version and commit together. */
export function readBuildInfo(root: string = REPO_ROOT): BuildInfo {
  return { version: readVersion(root), commit: readCommit(root) };
}

if (import.meta.main) {
  const info = readBuildInfo();
  console.log(process.argv.includes("--json") ? JSON.stringify(info) : info.version);
}
