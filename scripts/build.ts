/**
 * Build entry: `bun scripts/build.ts` compiles the host binary to bin/gateway and
 * bin/gatewayd (a hard link: the binary runs the daemon when invoked as gatewayd);
 * `bun scripts/build.ts --all` cross-compiles every release target into dist/bin/<id>/,
 * writes the release archives and SHA256SUMS into dist/release/.
 * `--target <id>` (repeatable) limits --all to some targets; `--no-archive` compiles only (the
 * Docker build uses it); `--no-bytecode` is an escape hatch if a dependency breaks under bytecode.
 * Cross-compiling fetches each target's runtime (@oven/bun-<target>) from the npm registry
 * once and caches it under ~/.bun/install/cache.
 */
import { copyFileSync, linkSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compileBinary } from "./lib/compile.ts";
import { findTargetMismatches, inspectBinary } from "./lib/inspect-binary.ts";
import { createReleaseArchive, writeSha256Sums } from "./lib/release-archive.ts";
import { detectHostTarget, findTarget, getBinaryName, RELEASE_TARGETS, type ReleaseTarget } from "./lib/targets.ts";
import { readBuildInfo, REPO_ROOT, type BuildInfo } from "./version.ts";

/** Links `to` to `from`, copying where hard links are impossible (other device, FAT). */
function linkOrCopy(from: string, to: string): void {
  rmSync(to, { force: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Compiles the host binary into outDir as gateway + gatewayd and returns the gateway path. */
export async function buildHostBinary(options: { outDir?: string; info?: BuildInfo; bytecode?: boolean } = {}): Promise<string> {
  const target = detectHostTarget();
  const outDir = options.outDir ?? join(REPO_ROOT, "bin");
  const info = options.info ?? readBuildInfo();
  // A failed compile must not leave an older gatewayd beside a missing gateway.
  rmSync(join(outDir, `gatewayd${target.exeSuffix}`), { force: true });
  const gateway = await compileBinary({ target, outfile: join(outDir, getBinaryName(target)), info, bytecode: options.bytecode });
  linkOrCopy(gateway, join(outDir, `gatewayd${target.exeSuffix}`));
  return gateway;
}

/** Cross-compiles the given targets into dist/bin/<id>/ and writes the release archives. */
export async function buildRelease(
  targets: readonly ReleaseTarget[],
  options: { distDir?: string; bytecode?: boolean; archive?: boolean } = {},
): Promise<string[]> {
  const distDir = options.distDir ?? join(REPO_ROOT, "dist");
  const info = readBuildInfo();
  const releaseDir = join(distDir, "release");
  if (options.archive !== false) {
    rmSync(releaseDir, { recursive: true, force: true });
    mkdirSync(releaseDir, { recursive: true });
  }
  const archives: string[] = [];
  // Sequential on purpose: each compile holds a ~110 MB image in memory and the build host has 2 cores.
  for (const target of targets) {
    const started = performance.now();
    const binary = await compileBinary({
      target,
      outfile: join(distDir, "bin", target.id, getBinaryName(target)),
      info,
      bytecode: options.bytecode,
    });
    // Cross-built binaries cannot run here; their headers can still be checked.
    const problems = findTargetMismatches(target, inspectBinary(readFileSync(binary)));
    if (problems.length > 0) throw new Error(`${binary} does not match ${target.id}: ${problems.join("; ")}`);
    if (options.archive !== false) archives.push(createReleaseArchive(target, binary, info.version, releaseDir));
    console.log(`${target.id}: ${binary} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  if (archives.length > 0) console.log(writeSha256Sums(releaseDir, archives));
  return archives;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      all: { type: "boolean", default: false },
      target: { type: "string", multiple: true },
      "no-bytecode": { type: "boolean", default: false },
      "no-archive": { type: "boolean", default: false },
    },
  });
  const bytecode = !values["no-bytecode"];
  if (values.all || values.target) {
    const targets = values.target ? values.target.map(findTarget) : RELEASE_TARGETS;
    await buildRelease(targets, { bytecode, archive: !values["no-archive"] });
  } else {
    const info = readBuildInfo();
    console.log(`${await buildHostBinary({ bytecode, info })} ${info.version} (${info.commit})`);
  }
}
