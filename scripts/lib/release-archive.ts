/**
 * Standalone-channel artifacts (packaging notes §1 and §4): one archive per target,
 * `tokligence-gateway-<version>-<target>.tar.gz` (`.zip` for Windows) holding the binary,
 * LICENSE and README, plus one SHA256SUMS that `sha256sum -c` checks.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { REPO_ROOT } from "../version.ts";
import { getBinaryName, type ReleaseTarget } from "./targets.ts";
import { writeTar, type TarEntry } from "./tar-writer.ts";
import { writeZip, type ZipEntry } from "./zip-writer.ts";

/** Returns the archive file name for a target and version. */
export function getArchiveName(target: ReleaseTarget, version: string): string {
  return `tokligence-gateway-${version}-${target.id}.${target.archive}`;
}

/** Reads the documentation files shipped beside the binary, skipping absent ones. */
function readDocFiles(): { name: string; data: Uint8Array }[] {
  return ["LICENSE", "README.md"]
    .filter((name) => existsSync(join(REPO_ROOT, name)))
    .map((name) => ({ name, data: readFileSync(join(REPO_ROOT, name)) }));
}

/**
 * Writes the archive for one target into outDir and returns its path. Entries sit under
 * a top directory named like the archive, so unpacking never scatters files. Tar archives
 * also carry `gatewayd` as a hard link (the multi-call binary dispatches on argv0) at no
 * size cost; ZIP has no links, so Windows users run `gateway serve`.
 */
export function createReleaseArchive(target: ReleaseTarget, binaryPath: string, version: string, outDir: string): string {
  const name = getArchiveName(target, version);
  const top = name.replace(/\.(tar\.gz|zip)$/, "");
  const binary = readFileSync(binaryPath);
  const docs = readDocFiles();
  const outPath = join(outDir, name);
  if (target.archive === "zip") {
    const entries: ZipEntry[] = [
      { name: `${top}/${getBinaryName(target)}`, data: binary, mode: 0o755 },
      ...docs.map((d) => ({ name: `${top}/${d.name}`, data: d.data, mode: 0o644 })),
    ];
    writeFileSync(outPath, writeZip(entries));
  } else {
    const entries: TarEntry[] = [
      { type: "file", name: `${top}/gateway`, data: binary, mode: 0o755 },
      { type: "hardlink", name: `${top}/gatewayd`, target: `${top}/gateway`, mode: 0o755 },
      ...docs.map((d): TarEntry => ({ type: "file", name: `${top}/${d.name}`, data: d.data, mode: 0o644 })),
    ];
    writeFileSync(outPath, Bun.gzipSync(writeTar(entries), { level: 9 }));
  }
  return outPath;
}

/** Returns the lowercase hex SHA-256 of a file. */
export function hashFile(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Writes SHA256SUMS (GNU coreutils format: "<hex>  <name>") for the given files in dir. */
export function writeSha256Sums(dir: string, files: readonly string[]): string {
  const lines = [...files].sort().map((file) => `${hashFile(file)}  ${basename(file)}\n`);
  const outPath = join(dir, "SHA256SUMS");
  writeFileSync(outPath, lines.join(""));
  return outPath;
}
