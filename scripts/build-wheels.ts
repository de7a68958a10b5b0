/**
 * Builds the `tokligence` platform wheels (packaging notes §3): the binary at
 * `tokligence-<v>.data/scripts/gateway[.exe]` with its exec bit in the zip entry (pip
 * installs 0644 otherwise, pitfall 5), the small Python finder package, console scripts
 * `gatewayd`, `tokligence` and `tgw`, tags `py3-none-<platform>`. No sdist: pip would try
 * to build it on unsupported platforms, which is impossible without Bun.
 * Usage: `bun scripts/build-wheels.ts [--host]`; without --host it expects dist/bin/<id>/
 * from `bun scripts/build.ts --all`. Output: dist/wheels/*.whl.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { detectHostTarget, getBinaryName, RELEASE_TARGETS, type ReleaseTarget } from "./lib/targets.ts";
import { writeZip, type ZipEntry } from "./lib/zip-writer.ts";
import { missingBinaryMessage } from "./lib/missing-binary.ts";
import { readVersion, REPO_ROOT } from "./version.ts";

const DIST_NAME = "tokligence";
const PYTHON_SOURCE = join(REPO_ROOT, "python");

/** Console scripts; `gateway` itself is the binary in data/scripts, not an entry point. */
const CONSOLE_SCRIPTS: Record<string, string> = {
  gatewayd: "tokligence.__main__:run_daemon",
  tokligence: "tokligence.__main__:run_gateway",
  tgw: "tokligence.__main__:run_gateway",
};

/** Converts a semver (package.json) to its PEP 440 spelling: 1.2.0-rc.1 → 1.2.0rc1. */
export function toPep440(version: string): string {
  const match = /^(\d+\.\d+\.\d+)(?:-(alpha|beta|rc|a|b)\.?(\d+))?$/.exec(version);
  if (!match) throw new Error(`version ${version} has no PEP 440 equivalent (use X.Y.Z or X.Y.Z-{alpha,beta,rc}.N)`);
  const [, release, pre, number] = match;
  if (!pre) return release!;
  const short = { alpha: "a", a: "a", beta: "b", b: "b", rc: "rc" }[pre]!;
  return `${release}${short}${number}`;
}

/** Returns the wheel file name for a target. */
export function getWheelName(target: ReleaseTarget, version: string): string {
  return `${DIST_NAME}-${toPep440(version)}-py3-none-${target.wheelPlatform}.whl`;
}

/** Returns one `Tag:` line per platform in a compressed tag set (PEP 425). */
function formatTagLines(target: ReleaseTarget): string {
  return target.wheelPlatform
    .split(".")
    .map((platform) => `Tag: py3-none-${platform}\n`)
    .join("");
}

/** Returns METADATA (core metadata 2.1) with the Python README as the long description. */
function buildMetadata(version: string): string {
  const readme = readFileSync(join(PYTHON_SOURCE, "README.md"), "utf8");
  return [
    "Metadata-Version: 2.1",
    `Name: ${DIST_NAME}`,
    `Version: ${version}`,
    "Summary: Tokligence Gateway: an LLM gateway for the OpenAI and Anthropic APIs with an exact per-user token ledger (native binary)",
    "License: Apache-2.0",
    "Project-URL: Homepage, https://github.com/tokligence/tokligence-gateway",
    "Requires-Python: >=3.8",
    "Classifier: License :: OSI Approved :: Apache Software License",
    "Classifier: Programming Language :: Python :: 3",
    "Description-Content-Type: text/markdown",
    "",
    readme,
  ].join("\n");
}

/** Encodes a RECORD hash: sha256 in urlsafe base64 without padding (PEP 376 / wheel spec). */
function hashForRecord(data: Uint8Array): string {
  return `sha256=${createHash("sha256").update(data).digest("base64url")}`;
}

/** Builds the wheel for one target from its binary and returns the wheel's path. */
export function buildWheel(target: ReleaseTarget, binaryPath: string, semver: string, outDir: string): string {
  const version = toPep440(semver);
  const distInfo = `${DIST_NAME}-${version}.dist-info`;
  const dataScripts = `${DIST_NAME}-${version}.data/scripts`;
  const files: ZipEntry[] = [];
  for (const name of readdirSync(join(PYTHON_SOURCE, "tokligence")).filter((n) => n.endsWith(".py")).sort()) {
    files.push({ name: `tokligence/${name}`, data: readFileSync(join(PYTHON_SOURCE, "tokligence", name)), mode: 0o644 });
  }
  files.push({ name: `${dataScripts}/${getBinaryName(target)}`, data: readFileSync(binaryPath), mode: 0o755 });
  const text = (s: string) => new TextEncoder().encode(s);
  const entryPoints = `[console_scripts]\n${Object.entries(CONSOLE_SCRIPTS).map(([k, v]) => `${k} = ${v}`).join("\n")}\n`;
  files.push(
    { name: `${distInfo}/METADATA`, data: text(buildMetadata(version)), mode: 0o644 },
    {
      name: `${distInfo}/WHEEL`,
      data: text(`Wheel-Version: 1.0\nGenerator: tokligence-build-wheels\nRoot-Is-Purelib: false\n${formatTagLines(target)}`),
      mode: 0o644,
    },
    { name: `${distInfo}/entry_points.txt`, data: text(entryPoints), mode: 0o644 },
  );
  const licensePath = join(REPO_ROOT, "LICENSE");
  if (existsSync(licensePath)) files.push({ name: `${distInfo}/LICENSE`, data: readFileSync(licensePath), mode: 0o644 });
  const recordName = `${distInfo}/RECORD`;
  const record = files.map((f) => `${f.name},${hashForRecord(f.data)},${f.data.length}\n`).join("") + `${recordName},,\n`;
  files.push({ name: recordName, data: text(record), mode: 0o644 });
  mkdirSync(outDir, { recursive: true });
  const outPath = join(outDir, getWheelName(target, semver));
  writeFileSync(outPath, writeZip(files));
  return outPath;
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Bun.argv.slice(2), options: { host: { type: "boolean", default: false } } });
  const version = readVersion();
  const targets = values.host ? [detectHostTarget()] : RELEASE_TARGETS;
  for (const target of targets) {
    const binary = values.host
      ? join(REPO_ROOT, "bin", getBinaryName(target))
      : join(REPO_ROOT, "dist/bin", target.id, getBinaryName(target));
    if (!existsSync(binary)) {
      console.error(missingBinaryMessage(binary, values.host, "build:wheels"));
      process.exit(1);
    }
    console.log(buildWheel(target, binary, version, join(REPO_ROOT, "dist/wheels")));
  }
}
