import { readFileSync } from "node:fs";
import { constants } from "node:os";

/**
 * Whether this process was started with `signal` ignored, as `nohup` starts a command with
 * SIGHUP ignored so that it outlives its terminal. Must be asked before a handler for that signal
 * is installed: a handler replaces an inherited ignore (in Bun as in Node), and the process would
 * then react to the very signal its starter meant it to ignore.
 *
 * Read from the SigIgn mask of /proc/self/status (proc(5)), so Linux only: elsewhere, or when the
 * file cannot be read, the answer is false.
 */
export function wasStartedIgnoring(signal: NodeJS.Signals, readStatus: () => string = () => readFileSync("/proc/self/status", "utf8")): boolean {
  const number = constants.signals[signal];
  let status: string;
  try {
    status = readStatus();
  } catch {
    return false;
  }
  const mask = /^SigIgn:\s*([0-9a-fA-F]+)\s*$/m.exec(status)?.[1];
  if (!mask || !number) return false;
  // Bit n-1 of the hexadecimal mask stands for signal n.
  return ((BigInt(`0x${mask}`) >> BigInt(number - 1)) & 1n) === 1n;
}
