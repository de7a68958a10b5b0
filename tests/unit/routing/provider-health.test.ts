import { describe, expect, test } from "bun:test";
import { MAX_COOLDOWN_MS, type ProviderFailure, ProviderHealth } from "../../../src/routing/provider-health";

const error: ProviderFailure = { kind: "error", reason: "upstream_unavailable (503)" };
const timeout: ProviderFailure = { kind: "timeout", reason: "upstream_timeout (504)" };

/** A tracker on a clock the test moves, with its log lines kept. */
function tracker(failuresToTrip = 3, cooldownMs = 30_000) {
  let now = 1_000_000;
  const lines: Array<{ level: "warn" | "info"; details: Record<string, unknown>; message: string }> = [];
  const health = new ProviderHealth({
    failuresToTrip,
    cooldownMs,
    now: () => now,
    log: {
      warn: (details, message) => lines.push({ level: "warn", details: details as Record<string, unknown>, message }),
      info: (details, message) => lines.push({ level: "info", details: details as Record<string, unknown>, message }),
    },
  });
  return { health, lines, advance: (ms: number) => (now += ms) };
}

const targets = (...names: string[]) => names.map((providerName) => ({ providerName }));
const order = (health: ProviderHealth, ...names: string[]) => health.orderTargets(targets(...names)).map((target) => target.providerName);

describe("tripping", () => {
  test("opens after the configured failures in a row, not before; a success in between starts over", () => {
    const { health, lines } = tracker(3);
    health.recordFailure("a", error);
    health.recordFailure("a", error);
    health.recordSuccess("a");
    health.recordFailure("a", error);
    health.recordFailure("a", error);
    expect(health.stateOf("a")).toBe("closed");
    expect(order(health, "a", "b")).toEqual(["a", "b"]);
    health.recordFailure("a", error);
    expect(health.stateOf("a")).toBe("open");
    expect(health.isCooling("a")).toBe(true);
    expect(order(health, "a", "b")).toEqual(["b", "a"]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "warn", details: { provider: "a", reason: "upstream_unavailable (503)", cooldownSeconds: 30 } });
    expect(lines[0]!.message).toContain("3 failures in a row");
  });

  test("a timeout, the expensive kind, opens at once", () => {
    const { health, lines } = tracker(3);
    health.recordFailure("a", timeout);
    expect(health.stateOf("a")).toBe("open");
    expect(lines[0]!.message).toContain("after a timeout");
  });

  test("an account that cannot serve (quota exhausted, key refused) opens at once for the longest cooldown", () => {
    const { health, lines, advance } = tracker(3, 30_000);
    health.recordFailure("a", { kind: "account", reason: "upstream_quota_exceeded (429)" });
    expect(health.stateOf("a")).toBe("open");
    expect(lines[0]!.message).toContain("its account refused the request");
    expect(lines[0]!.details).toMatchObject({ cooldownSeconds: MAX_COOLDOWN_MS / 1000 });
    advance(MAX_COOLDOWN_MS - 1);
    expect(health.stateOf("a")).toBe("open");
    advance(1);
    expect(health.stateOf("a")).toBe("half-open");
  });

  test("a 429's retry-after sets the cooldown when it is longer, capped at the longest cooldown", () => {
    const { health, advance } = tracker(1, 30_000);
    health.recordFailure("a", { kind: "error", reason: "upstream_rate_limited (429)", retryAfterSeconds: 90 });
    advance(89_000);
    expect(health.stateOf("a")).toBe("open");
    advance(1_000);
    expect(health.stateOf("a")).toBe("half-open");

    const capped = tracker(1, 30_000);
    capped.health.recordFailure("a", { kind: "error", reason: "upstream_rate_limited (429)", retryAfterSeconds: 86_400 });
    capped.advance(MAX_COOLDOWN_MS);
    expect(capped.health.stateOf("a")).toBe("half-open");

    // Shorter than the cooldown: the cooldown stands.
    const short = tracker(1, 30_000);
    short.health.recordFailure("a", { kind: "error", reason: "upstream_rate_limited (429)", retryAfterSeconds: 2 });
    short.advance(29_000);
    expect(short.health.stateOf("a")).toBe("open");
  });

  test("a retry-after met earlier in the run of failures still counts when it trips", () => {
    const { health, advance } = tracker(2, 10_000);
    health.recordFailure("a", { kind: "error", reason: "upstream_rate_limited (429)", retryAfterSeconds: 60 });
    health.recordFailure("a", error);
    advance(59_000);
    expect(health.stateOf("a")).toBe("open");
  });
});

describe("half-open and recovery", () => {
  test("after the cooldown one request probes while the others still try the provider last; its success closes the breaker", () => {
    const { health, lines, advance } = tracker(1, 30_000);
    health.recordFailure("a", error);
    advance(30_000);
    expect(health.stateOf("a")).toBe("half-open");
    expect(order(health, "a", "b")).toEqual(["a", "b"]);
    expect(health.beginAttempt("a")).toBe(true);
    // The probe is in flight: no second probe, and other requests go to b first.
    expect(health.beginAttempt("a")).toBe(false);
    expect(order(health, "a", "b")).toEqual(["b", "a"]);
    health.recordSuccess("a");
    health.endProbe("a");
    expect(health.stateOf("a")).toBe("closed");
    expect(health.isCooling("a")).toBe(false);
    expect(order(health, "a", "b")).toEqual(["a", "b"]);
    expect(lines.at(-1)).toMatchObject({ level: "info", details: { provider: "a" } });
    expect(lines.at(-1)!.message).toContain("recovered");
  });

  test("a probe that fails re-opens for twice as long, doubling up to five minutes", () => {
    const { health, lines, advance } = tracker(1, 30_000);
    health.recordFailure("a", error);
    const cooldowns: number[] = [];
    for (let trip = 0; trip < 6; trip++) {
      let waited = 0;
      while (health.stateOf("a") === "open") {
        advance(1_000);
        waited += 1_000;
      }
      cooldowns.push(waited);
      expect(health.beginAttempt("a")).toBe(true);
      health.recordFailure("a", error);
      health.endProbe("a");
    }
    expect(cooldowns).toEqual([30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
    expect(lines.filter((line) => line.level === "warn").map((line) => line.details.cooldownSeconds)).toEqual([30, 60, 120, 240, 300, 300, 300]);
  });

  test("a success resets the doubling", () => {
    const { health, advance } = tracker(1, 30_000);
    health.recordFailure("a", error);
    advance(30_000);
    health.recordFailure("a", error); // the cooldown was over: 60 s
    advance(60_000);
    health.recordSuccess("a");
    health.recordFailure("a", error);
    advance(30_000);
    expect(health.stateOf("a")).toBe("half-open");
  });

  test("a probe that ends in neither (the client left, the client's own error) frees the slot for the next request", () => {
    const { health, advance } = tracker(1);
    health.recordFailure("a", error);
    advance(30_000);
    expect(health.beginAttempt("a")).toBe(true);
    health.endProbe("a");
    expect(health.stateOf("a")).toBe("half-open");
    expect(order(health, "a", "b")).toEqual(["a", "b"]);
    expect(health.beginAttempt("a")).toBe(true);
  });

  test("failures while still cooling (requests that had to try it) do not lengthen the cooldown", () => {
    const { health, lines, advance } = tracker(1, 30_000);
    health.recordFailure("a", error);
    advance(10_000);
    expect(health.beginAttempt("a")).toBe(false);
    health.recordFailure("a", error);
    health.recordFailure("a", timeout);
    advance(20_000);
    expect(health.stateOf("a")).toBe("half-open");
    expect(lines).toHaveLength(1);
  });

  test("a success from any request closes it, even while it cools", () => {
    const { health } = tracker(1);
    health.recordFailure("a", timeout);
    health.recordSuccess("a");
    expect(health.stateOf("a")).toBe("closed");
  });
});

describe("attempt order", () => {
  test("cooling providers go last, never dropped; when all cool, the one whose cooldown ends first leads", () => {
    const { health, advance } = tracker(1, 30_000);
    health.recordFailure("b", error);
    expect(order(health, "a", "b", "c")).toEqual(["a", "c", "b"]);
    advance(5_000);
    health.recordFailure("a", error);
    advance(5_000);
    health.recordFailure("c", error);
    expect(order(health, "a", "b", "c")).toEqual(["b", "a", "c"]);
    expect(order(health, "c", "a")).toEqual(["a", "c"]);
  });

  test("a healthy route, or one with a single provider, is returned as it is (no copy)", () => {
    const { health } = tracker(1);
    const route = targets("a", "b");
    expect(health.orderTargets(route)).toBe(route);
    health.recordFailure("a", error);
    const single = targets("a");
    expect(health.orderTargets(single)).toBe(single);
    const other = targets("c", "d");
    expect(health.orderTargets(other)).toBe(other);
    expect(health.beginAttempt("c")).toBe(false);
  });

  test("failures below the threshold do not reorder", () => {
    const { health } = tracker(3);
    health.recordFailure("a", error);
    const route = targets("a", "b");
    expect(health.orderTargets(route)).toBe(route);
  });
});

describe("configuration", () => {
  test("defaults: three failures, 30 s; routing.cooldown_failures = 0 builds no tracker (every request tries the route in order)", async () => {
    const { loadConfig } = await import("../../../src/config/load");
    const { buildProxyDeps } = await import("../../../src/gateway");
    const { createSilentLogger } = await import("../../../src/log/logger");
    const defaults = loadConfig({ configDir: "/nonexistent", env: {} }).config;
    expect(defaults.routing).toMatchObject({ cooldownFailures: 3, cooldownSeconds: 30 });
    expect(buildProxyDeps(defaults, createSilentLogger()).providerHealth).toBeInstanceOf(ProviderHealth);
    const off = loadConfig({ configDir: "/nonexistent", env: { TOKLIGENCE_ROUTING__COOLDOWN_FAILURES: "0" } }).config;
    expect(buildProxyDeps(off, createSilentLogger()).providerHealth).toBeUndefined();
    expect(() => loadConfig({ configDir: "/nonexistent", env: { TOKLIGENCE_ROUTING__COOLDOWN_SECONDS: "0" } })).toThrow(/routing\.cooldown_seconds/);
  });
});
