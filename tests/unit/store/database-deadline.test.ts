import { expect, test } from "bun:test";
import { DatabaseDeadlineError, withDatabaseDeadline } from "../../../src/store/database-deadline";
import { isDatabaseUnreachable } from "../../../src/store/database-unreachable";

/** A promise settled by hand, as a query on a connection that may or may not answer. */
function pending<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

test("an answer in time is the answer, and its failure is its failure", async () => {
  expect(await withDatabaseDeadline(Promise.resolve(42), 1_000, "a test")).toBe(42);
  const bug = new TypeError("not an outage");
  expect(await withDatabaseDeadline(Promise.reject(bug), 1_000, "a test").catch((error) => error)).toBe(bug);
});

test("no answer within the bound: a deadline error the classifier calls unreachable, naming the setting", async () => {
  const query = pending<number>();
  const started = Date.now();
  const failure = await withDatabaseDeadline(query.promise, 30, "the key check").catch((error) => error);
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(failure).toBeInstanceOf(DatabaseDeadlineError);
  expect(failure.message).toContain("database.pg_request_timeout_ms");
  expect(isDatabaseUnreachable(failure)).toBe(true);
  // Wrapped as drizzle wraps driver errors, still unreachable.
  expect(isDatabaseUnreachable(new Error("Failed query", { cause: failure }))).toBe(true);
});

test("a late answer goes to onLate only; a late failure goes nowhere (no unhandled rejection)", async () => {
  const late: number[] = [];
  const answered = pending<number>();
  await withDatabaseDeadline(answered.promise, 10, "a test", (value) => late.push(value)).catch(() => undefined);
  answered.resolve(7);
  await Bun.sleep(0);
  expect(late).toEqual([7]);

  const unhandled: unknown[] = [];
  const onUnhandled = (error: unknown) => void unhandled.push(error);
  process.on("unhandledRejection", onUnhandled);
  try {
    const failed = pending<number>();
    await withDatabaseDeadline(failed.promise, 10, "a test", () => late.push(-1)).catch(() => undefined);
    failed.reject(Object.assign(new Error("connection closed"), { code: "CONNECTION_CLOSED" }));
    // An onLate that throws is contained as well.
    const throwing = pending<number>();
    await withDatabaseDeadline(throwing.promise, 10, "a test", () => {
      throw new Error("boom");
    }).catch(() => undefined);
    throwing.resolve(1);
    await Bun.sleep(20);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  expect(unhandled).toEqual([]);
  expect(late).toEqual([7]);
});

test("0 means no bound: the work itself", async () => {
  const work = Promise.resolve("as is");
  expect(withDatabaseDeadline(work, 0, "a test")).toBe(work);
});
