/**
 * A daemon started by a launcher (`npm start` runs scripts/npm-run.cjs, which runs Bun) stops
 * when that launcher is gone. The launcher forwards the stop signals it receives, but one killed
 * with SIGKILL forwards nothing, and the gateway would keep its port as an orphan. Opted into by
 * the launcher with TOKLIGENCE_STOP_WITH_PARENT=1: a gateway run by a shell or a supervisor
 * directly must not stop when that parent goes.
 */

/** How often the parent is checked: a stop within about a second is soon enough for a port. */
const PARENT_CHECK_INTERVAL_MS = 500;

/** Whether the environment asks the daemon to stop with its parent. */
export function readStopWithParent(env: Record<string, string | undefined>): boolean {
  return env.TOKLIGENCE_STOP_WITH_PARENT === "1" || env.TOKLIGENCE_STOP_WITH_PARENT === "true";
}

/**
 * Calls onExit once when this process is reparented (its parent died; the kernel hands it to
 * init or a subreaper, so getppid() changes). Returns a function that stops watching. The timer
 * does not keep the process alive.
 */
export function watchParentExit(onExit: () => void, readParentPid: () => number = () => process.ppid, intervalMs = PARENT_CHECK_INTERVAL_MS): () => void {
  const startedBy = readParentPid();
  const timer = setInterval(() => {
    if (readParentPid() === startedBy) return;
    clearInterval(timer);
    onExit();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
