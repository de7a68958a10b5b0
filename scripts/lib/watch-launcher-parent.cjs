// Used by scripts/npm-run.cjs, which must run on plain Node (no TypeScript, no dependencies).
"use strict";
const { spawnSync } = require("node:child_process");
const { readFileSync } = require("node:fs");

/** Linux: a process's parent pid and argv from /proc; elsewhere from ps. Undefined when unknown. */
function readProcessInfo(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name: state, ppid.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return { ppid, command: argv.join(" ") };
  } catch {
    // not Linux (or no /proc): ps has both on macOS and the BSDs
  }
  const ps = spawnSync("ps", ["-o", "ppid=", "-o", "command=", "-p", String(pid)], { encoding: "utf8" });
  const match = ps.status === 0 ? /^\s*(\d+)\s+(.*)$/.exec(ps.stdout.trim()) : null;
  return match ? { ppid: Number(match[1]), command: match[2] } : undefined;
}

/**
 * The npm pid when our parent is the `sh -c <script>` npm ran us in (dash does not exec a lone
 * command; bash, /bin/sh on macOS, does, and then npm is our parent and this returns undefined).
 * npm puts the script in npm_lifecycle_script; extra arguments (`npm start -- --port 1`) follow it.
 */
function findNpmAboveShell(parentPid, lifecycleScript) {
  if (!lifecycleScript) return undefined;
  const parent = readProcessInfo(parentPid);
  if (!parent || !/(^|\/)\w*sh -c /.test(parent.command) || !parent.command.includes(lifecycleScript)) return undefined;
  return parent.ppid > 1 ? parent.ppid : undefined;
}

/** Whether pid has exited. A zombie (exited, not yet reaped) still answers kill(pid, 0). */
function hasExited(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === "ESRCH";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z";
  } catch {
    return false;
  }
}

/**
 * Calls onGone(reason) once when whoever started this launcher has gone: our parent (we are
 * reparented to init or a subreaper), or npm above the `sh -c` it ran us in. Why both: npm passes
 * a SIGTERM or SIGINT only to that shell, which dies of it without passing it on, and npm has no
 * SIGHUP handler at all, so it dies alone and leaves the shell waiting on us. In neither case
 * does any signal reach this process. Node reads getppid() afresh on each `process.ppid`.
 */
function watchLauncherParent(onGone, intervalMs) {
  if (process.platform === "win32") return;
  const parentPid = process.ppid;
  const npmPid = findNpmAboveShell(parentPid, process.env.npm_lifecycle_script);
  const timer = setInterval(() => {
    let reason;
    if (process.ppid !== parentPid) reason = `the process that started this one (pid ${parentPid}) has exited`;
    else if (npmPid !== undefined && hasExited(npmPid)) reason = `npm (pid ${npmPid}) has exited`;
    if (!reason) return;
    clearInterval(timer);
    onGone(reason);
  }, intervalMs);
  timer.unref();
}

module.exports = { watchLauncherParent, findNpmAboveShell, hasExited };
