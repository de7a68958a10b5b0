// The npm channel end to end: pack the launcher and the host platform package, install both
// offline into a temp prefix, and drive the binary through the launcher's bin shims.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { packDirectory, stageLauncherPackage, stagePlatformPackage } from "../../scripts/pack-npm";
import { detectHostTarget, getBinaryName, getNpmPackageName, RELEASE_TARGETS } from "../../scripts/lib/targets";
import { REPO_ROOT } from "../../scripts/version";
import { postChatCompletion, startSlowUpstream, waitForHealth } from "./support/slow-upstream";
import { buildDaemonEnv, findFreePort, killQuietly, readChildPids, readProcessGroup, getHostBinary, type HostBinary, makeTempDir, runCommand, startDaemon } from "./support/packaging-harness";

const require = createRequire(import.meta.url);
const { listCandidatePackages } = require(join(REPO_ROOT, "npm/gateway/lib/resolve-binary.js")) as {
  listCandidatePackages(host: { os: string; cpu: string; libc: string | null; rosetta: boolean }): string[];
};

const target = detectHostTarget();
const platformPackage = getNpmPackageName(target);
let host: HostBinary;
let workDir: string;
let prefix: string;
let bin: (name: string) => string;

beforeAll(async () => {
  host = await getHostBinary();
  workDir = makeTempDir("tgw-npm-");
  const stageDir = join(workDir, "stage");
  const platformDir = stagePlatformPackage(target, host.gateway, host.version, stageDir);
  const launcherDir = await stageLauncherPackage(host.version, stageDir);
  const tarballs = [packDirectory(launcherDir, workDir), packDirectory(platformDir, workDir)];
  prefix = join(workDir, "prefix");
  writeFileSync(join(workDir, "package.json"), "{}");
  // --offline: the registry is never asked; the other platforms' optional packages are skipped.
  const install = await runCommand(["npm", "install", "--offline", "--no-audit", "--no-fund", "--prefix", prefix, ...tarballs], {
    cwd: workDir,
    timeoutMs: 120_000,
  });
  if (install.exitCode !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  bin = (name) => join(prefix, "node_modules", ".bin", name);
}, 180_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The launcher's environment: no override and no TOKLIGENCE_* from the runner. */
function launcherEnv(extra: Record<string, string> = {}): Record<string, string> {
  return buildDaemonEnv(join(workDir, "data"), 1, extra);
}

describe("package manifests", () => {
  test("the platform package declares os/cpu/libc, is unplugged, and has no bin or scripts", () => {
    const dir = join(prefix, "node_modules", platformPackage);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(manifest.version).toBe(host.version);
    expect(manifest.os).toEqual([target.os]);
    expect(manifest.cpu).toEqual([target.cpu]);
    expect(manifest.libc).toEqual(target.libc ? [target.libc] : undefined);
    expect(manifest.preferUnplugged).toBe(true);
    expect(manifest.bin).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
    expect(statSync(join(dir, "bin", getBinaryName(target))).mode & 0o777).toBe(0o755);
  });

  test("the launcher pins every platform package to its own exact version and has no dependencies or scripts", () => {
    const manifest = JSON.parse(readFileSync(join(prefix, "node_modules/@tokligence/gateway/package.json"), "utf8"));
    expect(manifest.version).toBe(host.version);
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.bin).toEqual({ gateway: "bin/gateway.js", gatewayd: "bin/gatewayd.js" });
    expect(manifest.optionalDependencies).toEqual(Object.fromEntries(RELEASE_TARGETS.map((t) => [getNpmPackageName(t), host.version])));
  });
});

describe("launcher commands", () => {
  test("gatewayd --version and gateway --help", async () => {
    const version = await runCommand([bin("gatewayd"), "--version"], { env: launcherEnv() });
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toBe(host.version);
    const help = await runCommand([bin("gateway"), "--help"], { env: launcherEnv() });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("gateway serve");
    expect(help.stdout).toContain("gateway healthcheck");
  });

  test("the binary's exit code comes back unchanged", async () => {
    const direct = await runCommand([host.gateway, "no-such-command"], { env: launcherEnv() });
    const launched = await runCommand([bin("gateway"), "no-such-command"], { env: launcherEnv() });
    expect(direct.exitCode).not.toBe(0);
    expect(launched.exitCode).toBe(direct.exitCode);
  });

  test("the daemon serves /health through gatewayd, answers gateway healthcheck, and stops on SIGTERM", async () => {
    const port = findFreePort();
    const env = buildDaemonEnv(join(workDir, "daemon-data"), port);
    const daemon = await startDaemon([bin("gatewayd")], env, port);
    try {
      const health = await fetch(`${daemon.url}/health`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { version: string }).version).toBe(host.version);
      const check = await runCommand([bin("gateway"), "healthcheck"], { env });
      expect(check.exitCode).toBe(0);
    } finally {
      // SIGTERM reaches only the launcher (no TTY): it must forward it, or the daemon is orphaned.
      expect(await daemon.stop()).toBe(0);
    }
    await expect(fetch(`${daemon.url}/health`)).rejects.toThrow();
  }, 60_000);
});

describe("signals sent to the launcher's process group", () => {
  test("a group-wide SIGTERM (daemon signalled directly and through the launcher) drains: the open request is not cut", async () => {
    const upstream = startSlowUpstream(1500);
    const port = findFreePort();
    const env = buildDaemonEnv(join(workDir, "group-data"), port, { TOKLIGENCE_OPENAI_BASE_URL: upstream.baseUrl, TOKLIGENCE_OPENAI_API_KEY: "sk-test" });
    // GNU timeout, on its own SIGTERM, signals its child and then its whole process group, as
    // `kill -- -pgid` and a shell's `kill %job` do: the daemon gets the signal directly and again
    // from the launcher. A second signal means "end the grace period now"; these copies must not.
    const proc = Bun.spawn(["timeout", "120", bin("gatewayd")], { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const log = new Response(proc.stdout).text();
    const started: number[] = [];
    try {
      await waitForHealth(`http://127.0.0.1:${port}`);
      // timeout → launcher → daemon, in one process group: `kill -- -pgid` ends them all.
      const [launcherPid] = readChildPids(proc.pid);
      const [daemonPid] = readChildPids(launcherPid!);
      started.push(launcherPid!, daemonPid!);
      expect(readProcessGroup(daemonPid!)).toBe(readProcessGroup(launcherPid!));
      const inFlight = postChatCompletion(`http://127.0.0.1:${port}`);
      await Bun.sleep(400);
      proc.kill("SIGTERM");
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      await proc.exited;
    } finally {
      // A failed assertion must not orphan the launcher and daemon that timeout started.
      for (const pid of [proc.pid, ...started]) killQuietly(pid);
      upstream.stop();
    }
    const text = await log;
    expect(text).toContain("received SIGTERM: draining");
    expect(text).not.toContain("received SIGTERM again");
  }, 60_000);
});

describe("launcher behaviour with a stand-in binary", () => {
  let fake: string;
  beforeAll(() => {
    fake = join(workDir, "fake-gateway");
    writeFileSync(fake, '#!/bin/sh\necho "max=$BUN_CONFIG_MAX_HTTP_REQUESTS args=$*"\n[ "$1" = die ] && kill -TERM $$\nexit 7\n');
    chmodSync(fake, 0o755);
  });

  test("TOKLIGENCE_GATEWAY_BINARY overrides; BUN_CONFIG_MAX_HTTP_REQUESTS gets a default but a user value wins", async () => {
    const defaulted = await runCommand([bin("gateway"), "a", "b"], { env: launcherEnv({ TOKLIGENCE_GATEWAY_BINARY: fake }) });
    expect(defaulted.stdout).toBe("max=4096 args=a b\n");
    expect(defaulted.exitCode).toBe(7);
    const chosen = await runCommand([bin("gateway")], {
      env: launcherEnv({ TOKLIGENCE_GATEWAY_BINARY: fake, BUN_CONFIG_MAX_HTTP_REQUESTS: "99" }),
    });
    expect(chosen.stdout).toBe("max=99 args=\n");
  });

  test("a child killed by a signal kills the launcher with the same signal", async () => {
    const result = await runCommand([bin("gateway"), "die"], { env: launcherEnv({ TOKLIGENCE_GATEWAY_BINARY: fake }) });
    expect(result.signalCode).toBe("SIGTERM");
  });

  test("an override that cannot be started names itself and the reason, without package advice", async () => {
    const notExecutable = join(workDir, "not-executable");
    writeFileSync(notExecutable, "#!/bin/sh\nexit 0\n");
    chmodSync(notExecutable, 0o644);
    for (const override of [notExecutable, workDir]) {
      const result = await runCommand([bin("gateway"), "--version"], { env: launcherEnv({ TOKLIGENCE_GATEWAY_BINARY: override }) });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`TOKLIGENCE_GATEWAY_BINARY`);
      expect(result.stderr).toContain(override);
      expect(result.stderr).not.toContain("npm install");
    }
  });

  test("copies of one signal arriving together are forwarded once; a later one is forwarded again", async () => {
    // Only the spawn path forwards: with process.execve (Node 22.15+) the launcher is gone.
    const nodeHasExecve = (await runCommand(["node", "-p", "typeof process.execve"])).stdout.trim() === "function";
    if (nodeHasExecve) return;
    const counter = join(workDir, "count-terms");
    // Node, not sh: a shell runs one trap for signals that arrive during a sleep, hiding copies.
    writeFileSync(counter, '#!/usr/bin/env node\nprocess.on("SIGTERM", () => console.log("term"));\nconsole.log("ready");\nsetTimeout(() => {}, 1500);\n');
    chmodSync(counter, 0o755);
    const proc = Bun.spawn([bin("gatewayd")], { env: launcherEnv({ TOKLIGENCE_GATEWAY_BINARY: counter }), stdout: "pipe", stdin: "ignore" });
    // Signal only once the child is up (the launcher's handlers are installed before it spawns):
    // a fixed wait was too short on a loaded machine, and the first SIGTERM then hit a bare process.
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes("ready\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    proc.kill("SIGTERM"); // as npx plus a terminal, or timeout: two copies of one stop
    await Bun.sleep(30);
    proc.kill("SIGTERM");
    await Bun.sleep(600);
    proc.kill("SIGTERM"); // an operator's deliberate second stop
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) out += new TextDecoder().decode(chunk.value);
    await proc.exited;
    expect(out).toBe("ready\nterm\nterm\n");
  });

  test("an override that does not exist fails loudly", async () => {
    const result = await runCommand([bin("gateway"), "--version"], { env: launcherEnv({ TOKLIGENCE_GATEWAY_BINARY: join(workDir, "nope") }) });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("TOKLIGENCE_GATEWAY_BINARY points at");
  });
});

describe("platform resolution", () => {
  test("the detected libc comes first and the other one second; Rosetta prefers arm64", () => {
    expect(listCandidatePackages({ os: "linux", cpu: "x64", libc: "glibc", rosetta: false })).toEqual([
      "@tokligence/gateway-linux-x64",
      "@tokligence/gateway-linux-x64-musl",
    ]);
    expect(listCandidatePackages({ os: "linux", cpu: "arm64", libc: "musl", rosetta: false })).toEqual([
      "@tokligence/gateway-linux-arm64-musl",
      "@tokligence/gateway-linux-arm64",
    ]);
    expect(listCandidatePackages({ os: "darwin", cpu: "x64", libc: null, rosetta: true })).toEqual([
      "@tokligence/gateway-darwin-arm64",
      "@tokligence/gateway-darwin-x64",
    ]);
    expect(listCandidatePackages({ os: "win32", cpu: "x64", libc: null, rosetta: false })).toEqual(["@tokligence/gateway-win32-x64"]);
    // Windows on Arm emulates x64; no arm64 build is published.
    expect(listCandidatePackages({ os: "win32", cpu: "arm64", libc: null, rosetta: false })).toContain("@tokligence/gateway-win32-x64");
  });

  test("an unsupported platform is named with the supported ones, never with a package that does not exist", async () => {
    // Node reports another platform through a preload, the way an acceptance tester on FreeBSD would see it.
    const preload = join(workDir, "fake-platform.cjs");
    writeFileSync(preload, 'Object.defineProperty(process, "platform", { value: "freebsd" });\n');
    const launcher = join(prefix, "node_modules/@tokligence/gateway/bin/gateway.js");
    const result = await runCommand(["node", "-r", preload, launcher, "--version"], { env: launcherEnv() });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("no prebuilt binary for this platform (os=freebsd");
    expect(result.stderr).toContain("linux-x64");
    expect(result.stderr).not.toContain("gateway-freebsd");
  });

  test("an installed binary without its exec bit is reported as such, not as a package to install", async () => {
    const binary = join(prefix, "node_modules", platformPackage, "bin", getBinaryName(target));
    chmodSync(binary, 0o644);
    try {
      const result = await runCommand([bin("gateway"), "--version"], { env: launcherEnv() });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`${binary} is installed but cannot be executed: chmod +x`);
    } finally {
      chmodSync(binary, 0o755);
    }
  });

  test("without the platform package the error names the exact package and version to install", async () => {
    const installed = join(prefix, "node_modules", platformPackage);
    renameSync(installed, `${installed}.moved`);
    try {
      const result = await runCommand([bin("gateway"), "--version"], { env: launcherEnv({ npm_config_user_agent: "npm/11.0.0 node/v20" }) });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`npm install ${platformPackage}@${host.version}`);
      expect(result.stderr).toContain(`searched packages: ${platformPackage}`);
    } finally {
      renameSync(`${installed}.moved`, installed);
    }
  });
});
