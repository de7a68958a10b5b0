#!/usr/bin/env node
// Entry for the npm scripts on a machine that has only Node.js and npm: installs the project's
// dependencies (Bun among them) on first use, then runs the task with Bun.
"use strict";
const { spawnSync, spawn } = require("node:child_process");
const { existsSync, readdirSync } = require("node:fs");
const { join } = require("node:path");
const { watchLauncherParent } = require("./lib/watch-launcher-parent.cjs");
const { explainFlagsNpmTook, findFlagsNpmTook } = require("./lib/npm-took-flags.cjs");

const root = join(__dirname, "..");
const task = process.argv[2];
const rest = process.argv.slice(3);

/** The Bun binary from node_modules: the `bun` package's installed binary, or its platform package. */
function findBun() {
  const candidates = [join(root, "node_modules", "bun", "bin", process.platform === "win32" ? "bun.exe" : "bun.exe")];
  const oven = join(root, "node_modules", "@oven");
  if (existsSync(oven)) for (const name of readdirSync(oven)) candidates.push(join(oven, name, "bin", process.platform === "win32" ? "bun.exe" : "bun"));
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ["--version"], { encoding: "utf8" });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

function ensureInstalled() {
  let bun = findBun();
  if (bun) return bun;
  console.error("[tokligence] first run: installing dependencies with npm (Bun comes from the npm registry)…");
  const install = spawnSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
  if (install.status !== 0) process.exit(install.status ?? 1);
  bun = findBun();
  if (!bun) {
    console.error("[tokligence] Bun was not found after npm install. Check that optional dependencies are allowed (npm install --include=optional).");
    process.exit(1);
  }
  return bun;
}

// One Ctrl+C reaches this process twice (the terminal signals the whole foreground group and npm
// forwards it as well): copies closer together than this window are forwarded once. Bun shares
// our process group, so it also hears the terminal's own copy; the gateway takes copies that
// close together as one stop (src/daemon.ts), and `kill -- -<pgid>` still ends everything.
const DUPLICATE_SIGNAL_WINDOW_MS = 250;

// How often the launcher checks that whoever started it is still there (watch-launcher-parent.cjs).
const PARENT_CHECK_INTERVAL_MS = 500;

/**
 * Run Bun with inherited stdio, forwarding each signal once, and exit with its code. Bun is told
 * to stop with us too (TOKLIGENCE_STOP_WITH_PARENT, src/parent-exit.ts), for the case where this
 * launcher is killed with SIGKILL and can forward nothing.
 */
function runBun(bun, args, env) {
  const child = spawn(bun, args, { cwd: root, stdio: "inherit", env: { ...process.env, TOKLIGENCE_STOP_WITH_PARENT: "1", ...env } });
  const lastForwarded = new Map();
  const forward = (signal) => {
    const now = Date.now();
    if (now - (lastForwarded.get(signal) || 0) < DUPLICATE_SIGNAL_WINDOW_MS) return;
    lastForwarded.set(signal, now);
    child.kill(signal);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => forward(signal));
  watchLauncherParent((reason) => {
    console.error(`[tokligence] ${reason}: stopping`);
    forward("SIGTERM");
  }, PARENT_CHECK_INTERVAL_MS);
  child.on("exit", (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

function runTests(bun, args) {
  // bunfig.toml's [test] timeout is not applied by this Bun (measured: a 7 s test fails at 5 s),
  // so the per-test default is passed here; a test that needs longer still says so itself.
  const timeout = args.some((arg) => arg.startsWith("--timeout")) ? [] : ["--timeout", "20000"];
  const child = spawn(bun, ["test", ...timeout, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
  let tail = "";
  const keep = (chunk) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout.on("data", (chunk) => { process.stdout.write(chunk); keep(chunk); });
  child.stderr.on("data", (chunk) => { process.stderr.write(chunk); keep(chunk); });
  child.on("exit", (code) => {
    const count = (word) => Number((new RegExp(`^\\s*(\\d+) ${word}$`, "m").exec(tail) || [])[1] || 0);
    const passed = count("pass");
    const failed = count("fail");
    const skipped = count("skip");
    const ok = code === 0 && failed === 0 && passed > 0;
    console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
    process.exit(ok ? 0 : code || 1);
  });
}

// Before installing anything: a flag npm took is a typing mistake, said in one line (exit 2, as
// the gateway's own configuration errors).
if (task === "start" || task === "gateway") {
  const took = findFlagsNpmTook(process.env);
  if (took.length > 0) {
    console.error(explainFlagsNpmTook(task, took, rest));
    process.exit(2);
  }
}

const bun = ensureInstalled();
switch (task) {
  case "start":
    runBun(bun, ["src/main.ts", "serve", ...rest]);
    break;
  case "test":
    runTests(bun, rest);
    break;
  case "build":
    runBun(bun, ["scripts/build.ts", ...rest]);
    break;
  case "build:all":
    runBun(bun, ["scripts/build.ts", "--all", ...rest]);
    break;
  case "pack:npm":
    runBun(bun, ["scripts/pack-npm.ts", "--pack", ...rest]);
    break;
  case "build:wheels":
    runBun(bun, ["scripts/build-wheels.ts", ...rest]);
    break;
  case "bench":
    runBun(bun, ["scripts/bench.ts", ...rest]);
    break;
  case "gateway":
    runBun(bun, ["src/main.ts", ...rest]);
    break;
  default:
    console.error(`unknown task ${task}`);
    process.exit(2);
}
