import { describe, expect, test } from "bun:test";
import type { Admission } from "../../../src/limits/request-limits";
import { PreAdmission } from "../../../src/proxy/background-admission";

/** A background run's admission made before queueing: taken once by its first model call, else released. */
describe("PreAdmission", () => {
  const admission = () => {
    const calls: string[] = [];
    const value: Admission = { settle: async () => void calls.push("settle"), handOver: async () => undefined, release: async () => void calls.push("release") };
    return { calls, value };
  };

  test("the first model call takes it; a later one admits on its own; nothing is released after", async () => {
    const { calls, value } = admission();
    const held = new PreAdmission(value);
    expect(held.take()).toBe(value);
    expect(held.take()).toBeUndefined();
    await held.releaseUnused();
    expect(calls).toEqual([]);
  });

  test("a run that never reached its model call gives the reservation back", async () => {
    const { calls, value } = admission();
    const held = new PreAdmission(value);
    await held.releaseUnused();
    await held.releaseUnused();
    expect(calls).toEqual(["release"]);
    expect(held.take()).toBeUndefined();
  });
});
