import { describe, expect, test } from "bun:test";
import { generateApiKeyToken } from "../../../src/auth/api-key";
import { createAuthenticator } from "../../../src/auth/authenticator";
import { issueApiKey } from "../../../src/auth/issue-api-key";
import { createKeyCheckShortCircuit } from "../../../src/auth/key-check-short-circuit";
import { keyStoreWithUser, recordingLogger, switchableStore } from "../../support/switchable-key-store";

/**
 * The short circuit of fail-static key checks: once a check found PostgreSQL unreachable (or
 * silent past the request bound), the checks after it do not each wait the bound again; they are
 * answered from memory at once, one probe per window tests the database, and when it answers
 * every request is checked there again. Before, every request of a silent partition waited the
 * whole bound (2 s by default) for its key check.
 */
const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });
const WINDOWS = { firstMs: 1_000, maxMs: 4_000 };
// Large enough that "answered at once" (under half the bound) holds on a loaded CI machine:
// at 60 ms a busy machine once took longer than 30 ms for 20 answers from memory.
const BOUND_MS = 200;

describe("key checks while PostgreSQL does not answer: the short circuit", () => {
  const keys = keyStoreWithUser();

  /** An authenticator on a clock the test moves (the windows), with the real request bound. */
  function gateway() {
    const clock = { now: new Date("2030-01-01T00:00:00Z") };
    const db = switchableStore(keys.store);
    const logger = recordingLogger();
    const auth = createAuthenticator(db.store, { required: true, now: () => clock.now, outage: { requestTimeoutMs: BOUND_MS, graceSeconds: 900, logger, shortCircuit: WINDOWS } });
    const advance = (ms: number) => void (clock.now = new Date(clock.now.getTime() + ms));
    return { db, logger, auth, advance };
  }
  const timed = async <T>(work: Promise<T>) => {
    const started = performance.now();
    const value = await work;
    return { value, ms: performance.now() - started };
  };

  test("a silent partition: only the first check waits the bound; the rest are answered from memory at once, one probe per window, the window doubling", async () => {
    const { db, logger, auth, advance } = gateway();
    const key = await issueApiKey(keys.store, { userId: keys.user.id });
    const unseen = await issueApiKey(keys.store, { userId: keys.user.id });
    expect((await auth.authenticate(bearer(key.token))).ok).toBe(true);
    db.mode = "silent";
    const first = await timed(auth.authenticate(bearer(key.token)));
    expect(first.value.ok).toBe(true);
    expect(first.ms).toBeGreaterThanOrEqual(BOUND_MS - 5);
    expect(db.lookups).toBe(2);

    // Within the window: no lookup at all, no wait.
    const during = await timed(Promise.all(Array.from({ length: 20 }, () => auth.authenticate(bearer(key.token)))));
    expect(during.value.every((answer) => answer.ok)).toBe(true);
    expect(during.value[0]).toMatchObject({ ok: true, principal: { verifiedFromMemoryAt: expect.any(Date) } });
    expect(during.ms).toBeLessThan(BOUND_MS / 2);
    expect(db.lookups).toBe(2);
    // A key memory cannot vouch for is the probe (one lookup, the bound at most), then its 503; the window doubles to 2 s.
    const refused = await timed(auth.authenticate(bearer(unseen.token)).catch((error) => error));
    expect(refused.value).toMatchObject({ code: "database_unavailable", status: 503, retryAfter: 1 });
    expect(refused.ms).toBeLessThan(BOUND_MS + 100);
    expect(db.lookups).toBe(3);
    advance(1_000);
    expect((await auth.authenticate(bearer(key.token))).ok).toBe(true);
    expect(db.lookups).toBe(3);

    // The window over: the next check is the probe (answered from memory meanwhile), and the only lookup.
    advance(1_000);
    const probing = await timed(Promise.all([auth.authenticate(bearer(key.token)), auth.authenticate(bearer(key.token))]));
    expect(probing.value.every((answer) => answer.ok)).toBe(true);
    expect(probing.ms).toBeLessThan(BOUND_MS / 2);
    expect(db.lookups).toBe(4);
    await Bun.sleep(BOUND_MS * 2); // the probe times out: the next window is 4 s
    advance(2_000);
    expect((await auth.authenticate(bearer(key.token))).ok).toBe(true);
    expect(db.lookups).toBe(4);
    advance(2_000);
    expect((await auth.authenticate(bearer(key.token))).ok).toBe(true);
    expect(db.lookups).toBe(5);
    await Bun.sleep(BOUND_MS * 2); // and again: 4 s, the cap

    // The partition heals, and the key was revoked meanwhile: the next probe finds both out, and
    // from then on every check asks the database again (the revocation holds).
    db.mode = "up";
    db.release();
    await keys.store.apiKeys.revoke(key.apiKey.id);
    advance(4_000);
    expect((await auth.authenticate(bearer(key.token))).ok).toBe(true); // the probe's request, from memory
    await Bun.sleep(10);
    expect(await auth.authenticate(bearer(key.token))).toMatchObject({ ok: false, status: 401, message: "API key revoked" });
    expect((await auth.authenticate(bearer(unseen.token))).ok).toBe(true);
    expect(db.lookups).toBe(8);
    // One line when the outage starts and one when it ends, whatever happened between.
    expect(logger.lines.map((line) => line.level)).toEqual(["warn", "info"]);
    expect(logger.lines[0]!.message).toContain("one lookup at a time tests whether it is back");
    db.release();
  });

  test("a key memory cannot vouch for waits for the probe in flight instead of a needless 503, and is checked when the database is back", async () => {
    const { db, auth, advance } = gateway();
    const key = await issueApiKey(keys.store, { userId: keys.user.id });
    const unseen = await issueApiKey(keys.store, { userId: keys.user.id });
    expect((await auth.authenticate(bearer(key.token))).ok).toBe(true);
    db.mode = "refused";
    expect((await auth.authenticate(bearer(key.token))).ok).toBe(true); // opens the circuit
    db.mode = "up";
    advance(1_000);
    const probe = auth.authenticate(bearer(key.token)); // the probe, in the background
    const waiting = auth.authenticate(bearer(generateApiKeyToken()));
    const seenFirst = auth.authenticate(bearer(unseen.token));
    expect((await probe).ok).toBe(true);
    expect(await waiting).toMatchObject({ ok: false, status: 401, message: "invalid API key" });
    expect((await seenFirst).ok).toBe(true);
  });

  test("while the database refuses connections, a key without memory that comes when the window is over is the probe itself and gets its 503", async () => {
    const { db, auth, advance } = gateway();
    const key = await issueApiKey(keys.store, { userId: keys.user.id });
    expect((await auth.authenticate(bearer(key.token))).ok).toBe(true);
    db.mode = "refused";
    expect((await auth.authenticate(bearer(key.token))).ok).toBe(true);
    advance(1_000);
    const lookups = db.lookups;
    expect(await auth.authenticate(bearer(generateApiKeyToken())).catch((error) => error)).toMatchObject({ code: "database_unavailable" });
    expect(db.lookups).toBe(lookups + 1);
    // The probe failed: the next window (2 s) is open, and known keys are still served from memory.
    advance(1_500);
    expect((await auth.authenticate(bearer(key.token))).ok).toBe(true);
    expect(db.lookups).toBe(lookups + 1);
  });
});

describe("the short circuit's windows", () => {
  test("open after a failure; only the probe's failure doubles the window, up to the cap; any answer closes it; firstMs 0 never opens", () => {
    const circuit = createKeyCheckShortCircuit({ firstMs: 1_000, maxMs: 3_000 });
    expect(circuit.gate(0)).toEqual({ kind: "ask" });
    expect(circuit.failed(0, false)).toBe(true);
    expect(circuit.failed(10, false)).toBe(false); // a check sent before it opened: same window
    expect(circuit.gate(999)).toEqual({ kind: "skip" });
    expect(circuit.gate(1_000)).toEqual({ kind: "probe" });
    circuit.failed(1_000, true);
    expect(circuit.gate(2_999)).toEqual({ kind: "skip" });
    expect(circuit.gate(3_000)).toEqual({ kind: "probe" });
    circuit.failed(3_000, true); // 4 s capped at 3 s
    expect(circuit.gate(5_999)).toEqual({ kind: "skip" });
    expect(circuit.gate(6_000)).toEqual({ kind: "probe" });
    expect(circuit.reached()).toBe(true);
    expect(circuit.gate(6_000)).toEqual({ kind: "ask" });
    const off = createKeyCheckShortCircuit({ firstMs: 0, maxMs: 0 });
    off.failed(0, false);
    expect(off.gate(0)).toEqual({ kind: "ask" });
  });

  test("one probe at a time: while it runs, checks skip and are handed the probe to wait for", async () => {
    const circuit = createKeyCheckShortCircuit({ firstMs: 1_000, maxMs: 8_000 });
    circuit.failed(0, false);
    expect(circuit.gate(1_000)).toEqual({ kind: "probe" });
    let settle!: () => void;
    circuit.probing(new Promise<void>((resolve) => (settle = resolve)));
    const gate = circuit.gate(1_000);
    expect(gate.kind).toBe("skip");
    expect(gate.kind === "skip" && gate.probe).toBeInstanceOf(Promise);
    circuit.reached();
    settle();
    await (gate as { probe: Promise<void> }).probe;
    expect(circuit.gate(1_000)).toEqual({ kind: "ask" });
  });
});
