// `npm start` under a process manager or `timeout`: the SIGTERM goes to the npm pid only. npm
// forwards it to its `sh -c`, which dies without passing it on, so the launcher and the gateway
// used to be left running as orphans, holding the port. These tests run the real chain and look
// in /proc that nothing of it remains.
import { expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/version";
import { buildDaemonEnv, findFreePort, killQuietly, makeTempDir, readChildPids } from "./support/packaging-harness";
import { waitForHealth } from "./support/slow-upstream";

/** Linux: pid and every descendant, from /proc. */
function readDescendants(pid: number): number[] {
  const children = existsSync(`/proc/${pid}`) ? readChildPids(pid) : [];
  return [pid, ...children.flatMap(readDescendants)];
}

/** Whether a pid is still a running process (a zombie awaiting its reaper does not count). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Whether anything answers /health on the port. */
async function answersHealth(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) });
    return true;
  } catch {
    return false;
  }
}

/** Waits until none of the pids runs and the port is closed; returns what still runs at the deadline. */
async function waitForAllGone(pids: number[], url: string, timeoutMs: number): Promise<{ running: number[]; answering: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = pids.filter(isRunning);
    const answering = await answersHealth(url);
    if ((running.length === 0 && !answering) || Date.now() > deadline) return { running, answering };
    await Bun.sleep(100);
  }
}

/** Starts argv with the daemon's environment, waits for /health, returns the pid tree. */
async function startChain(argv: string[]) {
  const dataDir = makeTempDir("tgw-npm-start-");
  const port = findFreePort();
  const url = `http://127.0.0.1:${port}`;
  // Its own session, so a signal the test sends can only be the one it means.
  const proc = Bun.spawn(["setsid", ...argv], { cwd: REPO_ROOT, env: buildDaemonEnv(dataDir, port), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]).then(([out, err]) => out + err);
  await waitForHealth(url, 60_000);
  const pids = readDescendants(proc.pid);
  const cleanUp = () => {
    for (const pid of pids) if (isRunning(pid)) killQuietly(pid);
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { proc, url, pids, output, cleanUp };
}

// npm forwards SIGTERM to its `sh -c` only, which dies of it; npm has no SIGHUP handler and dies
// alone, leaving the shell waiting. Either way no signal reaches our launcher. (A SIGINT to the
// npm pid alone is not here: dash catches it and waits for its child, npm waits for dash, and
// nothing of the chain changes that the launcher could see; see README "Stopping `npm start`".)
for (const signal of ["SIGTERM", "SIGHUP"] as const) {
  test(`${signal} to the npm pid of \`npm start\` stops the gateway: the port closes and no process of the chain remains`, async () => {
    const chain = await startChain(["npm", "start"]);
    try {
      // npm → sh -c → node npm-run.cjs → bun: the gateway is a grandchild or deeper, never npm itself.
      expect(chain.pids.length).toBeGreaterThanOrEqual(3);
      process.kill(chain.proc.pid, signal);
      const left = await waitForAllGone(chain.pids, chain.url, 15_000);
      expect(left).toEqual({ running: [], answering: false });
      // It drained (the graceful path), not a kill.
      expect(await chain.output).toMatch(/received SIG[A-Z]+: draining/);
    } finally {
      chain.cleanUp();
    }
  }, 90_000);
}

test("SIGKILL to the npm-run.cjs launcher stops the gateway it started (TOKLIGENCE_STOP_WITH_PARENT)", async () => {
  const chain = await startChain(["node", join(REPO_ROOT, "scripts/npm-run.cjs"), "start"]);
  try {
    // A killed launcher forwards nothing: only the daemon's own watch can stop it.
    process.kill(chain.proc.pid, "SIGKILL");
    const left = await waitForAllGone(chain.pids, chain.url, 15_000);
    expect(left).toEqual({ running: [], answering: false });
    expect(await chain.output).toContain("the launcher that started the gateway has exited");
  } finally {
    chain.cleanUp();
  }
}, 90_000);

// The signals the launcher itself gets (a terminal's hang-up, a supervisor that knows its pid)
// are forwarded to the gateway.
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  test(`${signal} to the npm-run.cjs launcher alone stops the gateway`, async () => {
    const chain = await startChain(["node", join(REPO_ROOT, "scripts/npm-run.cjs"), "start"]);
    try {
      process.kill(chain.proc.pid, signal);
      const left = await waitForAllGone(chain.pids, chain.url, 15_000);
      expect(left).toEqual({ running: [], answering: false });
    } finally {
      chain.cleanUp();
    }
  }, 90_000);
}
