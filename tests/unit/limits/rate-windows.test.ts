import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import { periodEndOf, periodStartOf } from "../../../src/limits/budget-period";
import { RateWindows } from "../../../src/limits/rate-windows";

const refusal = (take: () => unknown): GatewayError => {
  try {
    take();
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error("not refused");
};

describe("sliding rate windows", () => {
  test("TPM: tokens added by subject id (a background run settled on any replica) count like a slot's, for a minute", () => {
    const windows = new RateWindows();
    const subject = [{ id: "u:7", rpm: null, tpm: 100 }];
    windows.take(subject, 0);
    windows.addTokens(["u:7"], 100, 1_000);
    expect(refusal(() => windows.take(subject, 2_000)).retryAfter).toBe(59);
    windows.take(subject, 61_001); // the run's tokens have left the window
  });

  test("RPM: the limit in any 60 s, then 429 with the wait until the oldest slot frees", () => {
    const windows = new RateWindows();
    const subject = [{ id: "k:1", rpm: 3, tpm: null }];
    for (const at of [0, 10_000, 20_000]) windows.take(subject, at);
    const refused = refusal(() => windows.take(subject, 30_000));
    expect([refused.code, refused.status, refused.retryAfter]).toEqual(["rate_limit_exceeded", 429, 30]);
    windows.take(subject, 60_001); // the first slot has left the window
    expect(refusal(() => windows.take(subject, 60_002)).retryAfter).toBe(10);
  });

  test("a refused or given-back slot does not count; one subject refusing takes no slot from the other", () => {
    const windows = new RateWindows();
    const key = { id: "k:1", rpm: 5, tpm: null };
    const user = { id: "u:1", rpm: 1, tpm: null };
    windows.take([key, user], 0);
    refusal(() => windows.take([key, user], 1));
    const slot = windows.take([key], 2);
    slot.giveBack();
    for (let i = 0; i < 4; i++) windows.take([key], 3);
    expect(refusal(() => windows.take([key], 4)).message).toContain("5 requests per minute");
  });

  test("TPM: tokens of finished requests count for a minute; the wait is until enough of them leave", () => {
    const windows = new RateWindows();
    const subject = [{ id: "u:9", rpm: null, tpm: 100 }];
    windows.take(subject, 0).addTokens(60, 1_000);
    windows.take(subject, 2_000).addTokens(50, 5_000);
    const refused = refusal(() => windows.take(subject, 10_000));
    expect(refused.message).toContain("100 tokens per minute");
    expect(refused.retryAfter).toBe(51); // at 61 s the 60 tokens leave and 50 < 100
    windows.take(subject, 61_001);
  });

  test("key and user both full: retry-after is the later of the two, naming that window, and the refusal takes no slot", () => {
    const windows = new RateWindows();
    const key = { id: "k:1", rpm: 2, tpm: null };
    const user = { id: "u:1", rpm: 1, tpm: null };
    windows.take([key], 0);
    windows.take([key, user], 20_000);
    // The key's window frees at 60 s, the user's at 80 s: a client back at 60 s would be refused again.
    for (const subjects of [[key, user], [user, key]]) {
      const refused = refusal(() => windows.take(subjects, 30_000));
      expect([refused.status, refused.retryAfter, refused.message]).toEqual([429, 50, "user request rate limit reached (1 requests per minute)"]);
    }
    expect(refusal(() => windows.take([key, user], 60_001)).retryAfter).toBe(20);
    windows.take([key], 60_001); // only the 20 s slot is left in the key's window: the refusals took none
    windows.take([key, user], 80_000);
  });

  test("one subject's requests and tokens both full: retry-after is the later, the token window's", () => {
    const windows = new RateWindows();
    const subject = [{ id: "u:2", rpm: 2, tpm: 100 }];
    const first = windows.take(subject, 0);
    windows.take(subject, 10_000);
    first.addTokens(100, 15_000);
    const refused = refusal(() => windows.take(subject, 20_000));
    // Requests free at 60 s (a wait of 40 s); the 100 tokens leave at 75 s (55 s).
    expect([refused.retryAfter, refused.message]).toEqual([55, "user token rate limit reached (100 tokens per minute)"]);
    expect(refusal(() => windows.take(subject, 60_001)).retryAfter).toBe(15);
    windows.take(subject, 75_001);
  });
});

describe("budget periods and output caps", () => {
  test("UTC calendar periods; lifetime never resets", () => {
    const now = new Date("2026-03-31T23:59:59Z");
    expect(periodStartOf("monthly", now).toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(periodEndOf("monthly", now)!.toISOString()).toBe("2026-04-01T00:00:00.000Z");
    expect(periodStartOf("daily", now).toISOString()).toBe("2026-03-31T00:00:00.000Z");
    expect(periodEndOf("daily", now)!.toISOString()).toBe("2026-04-01T00:00:00.000Z");
    expect(periodStartOf(null, now).getTime()).toBe(0);
    expect(periodEndOf(null, now)).toBeNull();
  });
});
