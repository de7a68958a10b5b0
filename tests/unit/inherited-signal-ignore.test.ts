import { describe, expect, test } from "bun:test";
import { wasStartedIgnoring } from "../../src/inherited-signal-ignore";

/** The SigIgn line of /proc/self/status, as Linux writes it (proc(5)): bit n-1 is signal n. */
const statusWith = (sigIgn: string) => `Name:\tbun\nSigPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t${sigIgn}\nSigCgt:\t0000000000000000\n`;

describe("wasStartedIgnoring", () => {
  test("SIGHUP (1) is bit 0: set under nohup, beside the SIGPIPE (13) and SIGXFSZ (25) a runtime ignores", () => {
    expect(wasStartedIgnoring("SIGHUP", () => statusWith("0000000001001001"))).toBe(true);
    expect(wasStartedIgnoring("SIGHUP", () => statusWith("0000000001001000"))).toBe(false);
  });

  test("a higher signal is read from its own bit", () => {
    expect(wasStartedIgnoring("SIGPIPE", () => statusWith("0000000001001000"))).toBe(true);
    expect(wasStartedIgnoring("SIGTERM", () => statusWith("0000000001001000"))).toBe(false);
  });

  test("no /proc (macOS, Windows) or no SigIgn line: not known to be ignored", () => {
    expect(
      wasStartedIgnoring("SIGHUP", () => {
        throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      }),
    ).toBe(false);
    expect(wasStartedIgnoring("SIGHUP", () => "Name:\tbun\n")).toBe(false);
  });
});
