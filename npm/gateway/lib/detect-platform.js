"use strict";
// Detects os, cpu and libc at run time. Package managers disagree on `libc` (bun and
// yarn 1 install both variants, npm skips both when it cannot tell), so the launcher
// decides itself and never trusts which platform package happened to be installed
// (packaging notes §2.3, pitfall 2).
const fs = require("node:fs");
const childProcess = require("node:child_process");

/** Reads the libc from Node's diagnostic report; null when the report cannot tell. */
function readLibcFromReport() {
  if (!process.report || typeof process.report.getReport !== "function") return null;
  try {
    // Network data in the report can trigger slow reverse DNS lookups; we need none of it.
    process.report.excludeNetwork = true;
    const report = process.report.getReport();
    const report_ = typeof report === "string" ? JSON.parse(report) : report;
    if (report_.header && report_.header.glibcVersionRuntime) return "glibc";
    const libs = Array.isArray(report_.sharedObjects) ? report_.sharedObjects : [];
    if (libs.some((lib) => /libc\.musl-|ld-musl-/.test(lib))) return "musl";
  } catch {
    // fall through to the file-system checks
  }
  return null;
}

/** Reads the libc from Alpine's marker file or `ldd --version` output. */
function readLibcFromSystem() {
  if (fs.existsSync("/etc/alpine-release")) return "musl";
  try {
    const out = childProcess.execFileSync("ldd", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return /musl/i.test(out) ? "musl" : "glibc";
  } catch (error) {
    // musl's ldd prints its banner on stderr and exits 1.
    const text = String((error && error.stderr) || "");
    if (/musl/i.test(text)) return "musl";
  }
  return null;
}

/** Returns "glibc", "musl", or null (not Linux, or undetectable). */
function detectLibc() {
  if (process.platform !== "linux") return null;
  return readLibcFromReport() || readLibcFromSystem();
}

/** True when this x64 Node runs under Rosetta 2 on Apple silicon. */
function isRosettaTranslated() {
  if (process.platform !== "darwin" || process.arch !== "x64") return false;
  try {
    return childProcess.execFileSync("sysctl", ["-in", "sysctl.proc_translated"], { encoding: "utf8" }).trim() === "1";
  } catch {
    return false;
  }
}

/** Describes the host: { os, cpu, libc, rosetta }. */
function detectPlatform() {
  return { os: process.platform, cpu: process.arch, libc: detectLibc(), rosetta: isRosettaTranslated() };
}

module.exports = { detectPlatform, detectLibc };
