import { expect, test } from "bun:test";
import { readStopWithParent, watchParentExit } from "../../src/parent-exit";

test("watchParentExit calls back once, only after the parent pid changes", async () => {
  let parent = 4242;
  let calls = 0;
  watchParentExit(() => (calls += 1), () => parent, 10);
  await Bun.sleep(40);
  expect(calls).toBe(0);
  parent = 1; // reparented to init: the launcher has died
  await Bun.sleep(40);
  parent = 7; // later changes are not a second exit
  await Bun.sleep(40);
  expect(calls).toBe(1);
});

test("watchParentExit's stop function ends the watch", async () => {
  let parent = 10;
  let calls = 0;
  const stop = watchParentExit(() => (calls += 1), () => parent, 10);
  stop();
  parent = 1;
  await Bun.sleep(40);
  expect(calls).toBe(0);
});

test("readStopWithParent is opt-in: only the launcher's 1 (or true) turns it on", () => {
  expect(readStopWithParent({})).toBe(false);
  expect(readStopWithParent({ TOKLIGENCE_STOP_WITH_PARENT: "0" })).toBe(false);
  expect(readStopWithParent({ TOKLIGENCE_STOP_WITH_PARENT: "1" })).toBe(true);
  expect(readStopWithParent({ TOKLIGENCE_STOP_WITH_PARENT: "true" })).toBe(true);
});
