// The compiled binary and the standalone channel: flags, version baking, multi-call
// dispatch, and a release archive that `sha256sum -c` accepts and that runs once unpacked.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildCompileArgs } from "../../scripts/lib/compile";
import { findTargetMismatches, inspectBinary } from "../../scripts/lib/inspect-binary";
import { createReleaseArchive, getArchiveName, writeSha256Sums } from "../../scripts/lib/release-archive";
import { detectHostTarget, findTarget, RELEASE_TARGETS } from "../../scripts/lib/targets";
import { readVersion, REPO_ROOT } from "../../scripts/version";
import { getHostBinary, type HostBinary, makeTempDir, runCommand } from "./support/packaging-harness";

const packageVersion = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version as string;
let host: HostBinary;
let workDir: string;

beforeAll(async () => {
  host = await getHostBinary();
  workDir = makeTempDir("tgw-build-");
}, 120_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("compile flags (packaging notes §5.1)", () => {
  const args = buildCompileArgs({ target: findTarget("linux-x64"), outfile: "/x/gateway", info: { version: "1.2.3", commit: "abc" } });

  test("bake version, commit and production NODE_ENV; keep identifiers; no .env/bunfig autoload", () => {
    expect(args).toContain("--compile");
    expect(args).toContain("--target=bun-linux-x64-baseline");
    expect(args).toContain('--define=GW_VERSION="1.2.3"');
    expect(args).toContain('--define=GW_COMMIT="abc"');
    expect(args).toContain('--define=process.env.NODE_ENV="production"');
    expect(args).toContain("--no-compile-autoload-dotenv");
    expect(args).toContain("--no-compile-autoload-bunfig");
    expect(args).toContain("--bytecode");
    expect(args).toContain("--format=esm");
    expect(args.some((a) => a === "--minify" || a === "--minify-identifiers" || a === "--production")).toBe(false);
  });

  test("every x64 target is baseline, and each target id is unique", () => {
    for (const target of RELEASE_TARGETS.filter((t) => t.cpu === "x64" && t.os !== "darwin")) {
      expect(target.bunTarget).toContain("baseline");
    }
    expect(new Set(RELEASE_TARGETS.map((t) => t.id)).size).toBe(RELEASE_TARGETS.length);
  });
});

describe("host binary", () => {
  test("the version comes from package.json", async () => {
    expect(readVersion()).toBe(packageVersion);
    const result = await runCommand([host.gateway, "--version"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(packageVersion);
  });

  test("gatewayd is the same file, and dispatches on its name", async () => {
    if (process.platform !== "win32") expect(statSync(host.gatewayd).ino).toBe(statSync(host.gateway).ino);
    const help = await runCommand([host.gatewayd, "--help"]);
    expect(help.exitCode).toBe(0);
    // Invoked as gatewayd the binary runs `serve`, so its help is the daemon's own usage line.
    expect(help.stdout).toStartWith("gatewayd [options]");
    expect(help.stdout).toContain("the same as `gateway serve`");
    expect(help.stdout).toContain("--port");
  });

  test("a .env in the working directory is not loaded (--no-compile-autoload-dotenv)", async () => {
    const dir = makeTempDir("tgw-dotenv-");
    await Bun.write(join(dir, ".env"), "TOKLIGENCE_PORT=12345\n");
    const result = await runCommand([host.gateway, "config", "show", "--json"], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir },
    });
    rmSync(dir, { recursive: true, force: true });
    expect(result.exitCode).toBe(0);
    const port = (JSON.parse(result.stdout) as { key: string; value: unknown; source: string }[]).find((r) => r.key === "server.port");
    expect(port?.value).toBe(8081);
  });
});

describe("binary inspection (how cross builds are checked without running them)", () => {
  test("the host binary matches the host target and no other target", () => {
    const facts = inspectBinary(readFileSync(host.gateway));
    const hostTarget = detectHostTarget();
    expect(findTargetMismatches(hostTarget, facts)).toEqual([]);
    for (const other of RELEASE_TARGETS.filter((t) => t.id !== hostTarget.id)) {
      expect(findTargetMismatches(other, facts).length).toBeGreaterThan(0);
    }
  });

  test("a glibc binary needing a newer GLIBC than its wheel tag is rejected", () => {
    const target = findTarget("linux-x64");
    expect(findTargetMismatches(target, { format: "elf", cpu: "x64", interpreter: "/lib64/ld-linux-x86-64.so.2", maxGlibc: [2, 17] })).toEqual([]);
    expect(findTargetMismatches(target, { format: "elf", cpu: "x64", interpreter: "/lib64/ld-linux-x86-64.so.2", maxGlibc: [2, 28] })).toEqual([
      "needs GLIBC_2.28, but the wheel tag promises 2.17",
    ]);
  });
});

describe("release archive for the host target", () => {
  test("SHA256SUMS verifies and the unpacked binary runs", async () => {
    const target = detectHostTarget();
    const releaseDir = join(workDir, "release");
    await Bun.write(join(releaseDir, ".keep"), "");
    const archive = createReleaseArchive(target, host.gateway, packageVersion, releaseDir);
    expect(archive.endsWith(getArchiveName(target, packageVersion))).toBe(true);
    writeSha256Sums(releaseDir, [archive]);
    const check = await runCommand(["sha256sum", "-c", "SHA256SUMS"], { cwd: releaseDir });
    expect(check.stdout).toContain(": OK");
    expect(check.exitCode).toBe(0);

    const unpackDir = join(workDir, "unpacked");
    await Bun.write(join(unpackDir, ".keep"), "");
    const unpack = await runCommand(["tar", "-xzf", archive, "-C", unpackDir]);
    expect(unpack.exitCode).toBe(0);
    const top = join(unpackDir, `tokligence-gateway-${packageVersion}-${target.id}`);
    expect(statSync(join(top, "gateway")).mode & 0o111).toBe(0o111);
    expect(existsSync(join(top, "gatewayd"))).toBe(true);
    const version = await runCommand([join(top, "gateway"), "--version"]);
    expect(version.stdout.trim()).toBe(packageVersion);
    const daemonHelp = await runCommand([join(top, "gatewayd"), "--help"]);
    expect(daemonHelp.stdout).toStartWith("gatewayd [options]");
  }, 60_000);

  test("a tampered archive fails the checksum", async () => {
    const releaseDir = join(workDir, "release");
    const archive = join(releaseDir, getArchiveName(detectHostTarget(), packageVersion));
    const bytes = readFileSync(archive);
    const flipAt = bytes.length - 100; // in range: a release archive holds the whole binary
    bytes[flipAt] = bytes[flipAt]! ^ 0xff;
    await Bun.write(archive, bytes);
    const check = await runCommand(["sha256sum", "-c", "SHA256SUMS"], { cwd: releaseDir });
    expect(check.exitCode).not.toBe(0);
  });
});
