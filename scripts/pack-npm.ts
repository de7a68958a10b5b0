/**
 * Stages and packs the npm packages from built binaries (packaging notes §2.3):
 * - one platform package per target: `os`/`cpu`/`libc`, `preferUnplugged`, files bin/,
 *   no `bin` field and no scripts, binary mode 0755 (npm keeps it in the tarball);
 * - the launcher `@tokligence/gateway`, stamped with the release version and exact-pinned
 *   optionalDependencies on every platform package.
 * Usage: `bun scripts/pack-npm.ts [--host] [--pack]`; without --host it expects
 * dist/bin/<id>/ from `bun scripts/build.ts --all`. Output: dist/npm/<dir>/ and, with
 * --pack, dist/npm/*.tgz. Publish the platform packages first, then the launcher.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { detectHostTarget, getBinaryName, getNpmPackageName, NPM_LAUNCHER, RELEASE_TARGETS, type ReleaseTarget } from "./lib/targets.ts";
import { missingBinaryMessage } from "./lib/missing-binary.ts";
import { readVersion, REPO_ROOT } from "./version.ts";

const LAUNCHER_SOURCE = join(REPO_ROOT, "npm/gateway");
const REPOSITORY = { type: "git", url: "git+https://github.com/tokligence/tokligence-gateway.git" };

/** Returns the platform package.json for a target. */
export function buildPlatformManifest(target: ReleaseTarget, version: string): Record<string, unknown> {
  return {
    name: getNpmPackageName(target),
    version,
    description: `The ${target.id} binary of ${NPM_LAUNCHER}. Install ${NPM_LAUNCHER} instead of this package.`,
    license: "Apache-2.0",
    repository: REPOSITORY,
    os: [target.os],
    cpu: [target.cpu],
    ...(target.libc ? { libc: [target.libc] } : {}),
    // Under Yarn PnP a zipped package cannot be spawned (ENOTDIR); unplug it (notes pitfall 3).
    preferUnplugged: true,
    files: ["bin/"],
  };
}

/** Returns the stamped launcher package.json: the template with version and pins filled in. */
export function buildLauncherManifest(template: Record<string, unknown>, version: string): Record<string, unknown> {
  const { private: _private, ...rest } = template;
  const optionalDependencies = Object.fromEntries(RELEASE_TARGETS.map((t) => [getNpmPackageName(t), version]));
  return { ...rest, version, repository: REPOSITORY, optionalDependencies };
}

/** Writes one platform package directory and returns it. */
export function stagePlatformPackage(target: ReleaseTarget, binaryPath: string, version: string, outRoot: string): string {
  const dir = join(outRoot, `gateway-${target.id}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  const binary = join(dir, "bin", getBinaryName(target));
  copyFileSync(binaryPath, binary);
  chmodSync(binary, 0o755);
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(buildPlatformManifest(target, version), null, 2)}\n`);
  writeFileSync(
    join(dir, "README.md"),
    `# ${getNpmPackageName(target)}\n\nThe ${target.id} binary of [${NPM_LAUNCHER}](https://www.npmjs.com/package/${NPM_LAUNCHER}).\nDo not install it directly: install \`${NPM_LAUNCHER}\`, which picks the right platform package at run time.\n`,
  );
  copyLicense(dir);
  return dir;
}

/** Writes the launcher package directory and returns it. */
export async function stageLauncherPackage(version: string, outRoot: string): Promise<string> {
  const dir = join(outRoot, "gateway");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of ["bin", "lib", "README.md"]) cpSync(join(LAUNCHER_SOURCE, entry), join(dir, entry), { recursive: true });
  const template = (await Bun.file(join(LAUNCHER_SOURCE, "package.json")).json()) as Record<string, unknown>;
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(buildLauncherManifest(template, version), null, 2)}\n`);
  copyLicense(dir);
  return dir;
}

/** Copies the repository LICENSE into a package when the repository has one. */
function copyLicense(dir: string): void {
  const license = join(REPO_ROOT, "LICENSE");
  if (existsSync(license)) copyFileSync(license, join(dir, "LICENSE"));
}

/** Runs `npm pack` on a staged directory and returns the tarball path. */
export function packDirectory(dir: string, destination: string): string {
  const result = Bun.spawnSync(["npm", "pack", "--json", "--pack-destination", destination], { cwd: dir, stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`npm pack failed in ${dir}:\n${result.stderr.toString()}`);
  const [info] = JSON.parse(result.stdout.toString()) as { filename: string }[];
  return join(destination, info!.filename);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: { host: { type: "boolean", default: false }, pack: { type: "boolean", default: false } },
  });
  const version = readVersion();
  const outRoot = join(REPO_ROOT, "dist/npm");
  mkdirSync(outRoot, { recursive: true });
  const targets = values.host ? [detectHostTarget()] : RELEASE_TARGETS;
  const dirs: string[] = [];
  for (const target of targets) {
    const binary = values.host
      ? join(REPO_ROOT, "bin", getBinaryName(target))
      : join(REPO_ROOT, "dist/bin", target.id, getBinaryName(target));
    if (!existsSync(binary)) {
      console.error(missingBinaryMessage(binary, values.host, "pack:npm"));
      process.exit(1);
    }
    dirs.push(stagePlatformPackage(target, binary, version, outRoot));
  }
  dirs.push(await stageLauncherPackage(version, outRoot));
  for (const dir of dirs) console.log(values.pack ? packDirectory(dir, outRoot) : dir);
}
