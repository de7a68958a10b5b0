import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { StoredResponseRecord, Store } from "../../../src/store/types";
import { dialectCases, type TestDatabase } from "../../support/test-databases";

const HOUR = 3_600_000;

function record(id: string, userId: number | null, createdAt: Date, expiresAt: Date | null, text = "hi"): StoredResponseRecord {
  return {
    id,
    userId,
    model: "m",
    createdAt,
    expiresAt,
    request: { input: [{ type: "message", role: "user", content: [{ type: "input_text", text }] }], instructions: null, previous_response_id: null },
    response: { id, object: "response", output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: `re: ${text}` }] }] },
  };
}

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`stored responses on ${dialectCase.dialect}`, () => {
    let database: TestDatabase;
    let store: Store;
    let ann: number;
    let bob: number;
    const t0 = new Date("2030-01-01T00:00:00Z");

    beforeAll(async () => {
      database = await dialectCase.create();
      store = await database.openMigrated();
      ann = (await store.users.create({ email: "ann@example.com", role: "gateway_user" })).id;
      bob = (await store.users.create({ email: "bob@example.com", role: "gateway_user" })).id;
    });
    afterAll(async () => database.drop());

    test("put then get round-trips the JSON; only the owner sees it (null owner only matches null)", async () => {
      await store.responses.put(record("resp_a", ann, t0, new Date(t0.getTime() + HOUR)));
      await store.responses.put(record("resp_anon", null, t0, null));
      const got = await store.responses.get("resp_a", ann, t0);
      expect(got).toEqual(record("resp_a", ann, t0, new Date(t0.getTime() + HOUR)));
      expect(await store.responses.get("resp_a", bob, t0)).toBeNull();
      expect(await store.responses.get("resp_a", null, t0)).toBeNull();
      expect((await store.responses.get("resp_anon", null, t0))?.id).toBe("resp_anon");
      expect(await store.responses.get("resp_anon", ann, t0)).toBeNull();
      expect(await store.responses.get("resp_missing", ann, t0)).toBeNull();
    });

    test("put with an existing id replaces the record", async () => {
      await store.responses.put(record("resp_b", ann, t0, null, "first"));
      await store.responses.put(record("resp_b", bob, t0, null, "second"));
      expect(await store.responses.get("resp_b", ann, t0)).toBeNull();
      expect((await store.responses.get("resp_b", bob, t0))?.request).toMatchObject({ input: [{ content: [{ text: "second" }] }] });
    });

    test("expired records are invisible, cannot be deleted by readers, and are purged", async () => {
      await store.responses.put(record("resp_old", ann, t0, new Date(t0.getTime() + HOUR)));
      await store.responses.put(record("resp_new", ann, t0, new Date(t0.getTime() + 3 * HOUR)));
      const later = new Date(t0.getTime() + 2 * HOUR);
      expect((await store.responses.get("resp_old", ann, t0))?.id).toBe("resp_old");
      expect(await store.responses.get("resp_old", ann, later)).toBeNull();
      expect(await store.responses.delete("resp_old", ann, later)).toBe(false);
      // resp_a (expires t0+1h) and resp_old are past; resp_new and the unexpiring ones stay.
      expect(await store.responses.purgeExpired(later)).toBe(2);
      expect(await store.responses.get("resp_old", ann, t0)).toBeNull();
      expect((await store.responses.get("resp_new", ann, later))?.id).toBe("resp_new");
      expect((await store.responses.get("resp_anon", null, later))?.id).toBe("resp_anon");
    });

    test("holdersOfItems: per id, one of the owner's unexpired records holding it, output before input, newest first", async () => {
      const withItem = (id: string, userId: number | null, createdAt: Date, expiresAt: Date | null, itemId: string, where: "input" | "output"): StoredResponseRecord => {
        const base = record(id, userId, createdAt, expiresAt);
        const item = { id: itemId, type: "function_call", call_id: "call_1", name: "ls", arguments: "{}" };
        return where === "output" ? { ...base, response: { ...base.response, output: [item] } } : { ...base, request: { ...base.request, input: [item] } };
      };
      const later = new Date(t0.getTime() + 60_000);
      await store.responses.put(withItem("resp_h1", ann, t0, null, "fc_wanted", "output"));
      await store.responses.put(withItem("resp_h2", ann, later, null, "fc_wanted", "input"));
      await store.responses.put(withItem("resp_h3", bob, t0, null, "fc_wanted", "output"));
      await store.responses.put(withItem("resp_h4", ann, t0, new Date(t0.getTime() - 1), "fc_wanted", "output"));
      await store.responses.put(withItem("resp_h5", ann, t0, null, "fc_wanted_not", "output"));
      await store.responses.put(withItem("resp_h6", ann, later, null, "fc_input_only", "input"));
      expect((await store.responses.holdersOfItems(["fc_wanted", "fc_other"], ann, t0)).map((held) => held.id)).toEqual(["resp_h1"]);
      expect((await store.responses.holdersOfItems(["fc_wanted", "fc_input_only"], ann, t0)).map((held) => held.id)).toEqual(["resp_h6", "resp_h1"]);
      expect((await store.responses.holdersOfItems(["fc_wanted"], bob, t0)).map((held) => held.id)).toEqual(["resp_h3"]);
      expect(await store.responses.holdersOfItems(["fc_wanted"], null, t0)).toEqual([]);
      expect(await store.responses.holdersOfItems([], ann, t0)).toEqual([]);
    });

    test("holdersOfItems is exact: the output holder is found behind 60 later records replaying the id (the old lookup read 50 candidates)", async () => {
      const item = { id: "fc_deep", type: "function_call", call_id: "call_deep", name: "ls", arguments: "{}" };
      const first = record("resp_deep0", ann, t0, null);
      await store.responses.put({ ...first, response: { ...first.response, output: [item] } });
      for (let turn = 1; turn <= 60; turn++) {
        const replay = record(`resp_deep${turn}`, ann, new Date(t0.getTime() + turn * 1000), null);
        await store.responses.put({ ...replay, request: { ...replay.request, input: [item, ...(replay.request.input as unknown[])] } });
      }
      expect((await store.responses.holdersOfItems(["fc_deep"], ann, t0)).map((held) => held.id)).toEqual(["resp_deep0"]);
    });

    test("holdersOfItems finds an input item without an id by the id input_items lists it under; delete and purge take the rows away", async () => {
      await store.responses.put(record("resp_listed", ann, t0, new Date(t0.getTime() + HOUR), "no id here"));
      expect((await store.responses.holdersOfItems(["msg_resp_listed_0"], ann, t0)).map((held) => held.id)).toEqual(["resp_listed"]);
      expect(await store.responses.holdersOfItems(["msg_resp_listed_0"], bob, t0)).toEqual([]);
      await store.responses.put(record("resp_deleted", ann, t0, null));
      expect(await store.responses.delete("resp_deleted", ann, t0)).toBe(true);
      await store.responses.purgeExpired(new Date(t0.getTime() + 2 * HOUR));
      const left = await database.query<{ response_id: string }>("select response_id from stored_response_items where response_id in ('resp_listed', 'resp_deleted')");
      expect(left).toEqual([]);
    });

    test("a running record that is deleted stays deleted: later writes of its run neither show it nor index it; purge takes it", async () => {
      // Before, the delete removed the row and the run's next write (heartbeat or final state) stored it again.
      const running = (status: string) => {
        const base = record("resp_gone", ann, t0, new Date(t0.getTime() + HOUR), "secret");
        return { ...base, response: { ...base.response, status, output: [{ id: "msg_gone", type: "message", role: "assistant", content: [] }] } };
      };
      await store.responses.put(running("in_progress"));
      expect(await store.responses.delete("resp_gone", ann, t0)).toBe(true);
      expect(await store.responses.get("resp_gone", ann, t0)).toBeNull();
      expect(await store.responses.putUnlessSettled(running("in_progress"))).toBe(false);
      await store.responses.put(running("completed"));
      expect(await store.responses.get("resp_gone", ann, t0)).toBeNull();
      expect(await store.responses.holdersOfItems(["msg_gone", "msg_resp_gone_0"], ann, t0)).toEqual([]);
      expect(await store.responses.delete("resp_gone", ann, t0)).toBe(false);
      // Emptied: nothing of the conversation is left in the row.
      const [row] = await database.query<{ request_json: unknown; response_json: unknown }>("select request_json, response_json from stored_responses where id = 'resp_gone'");
      expect(JSON.stringify(row)).not.toContain("secret");
      await store.responses.purgeExpired(new Date(t0.getTime() + 2 * HOUR));
      expect(await database.query("select id from stored_responses where id = 'resp_gone'")).toEqual([]);
    });

    test("putUnlessSettled inserts, replaces a running response, and never overwrites a final one", async () => {
      const withStatus = (status: string, text: string) => {
        const base = record("resp_bg", ann, t0, null, text);
        return { ...base, response: { ...base.response, status } };
      };
      expect(await store.responses.putUnlessSettled(withStatus("queued", "a"))).toBe(true);
      expect(await store.responses.putUnlessSettled(withStatus("in_progress", "b"))).toBe(true);
      expect((await store.responses.get("resp_bg", ann, t0))?.response.status).toBe("in_progress");
      await store.responses.put(withStatus("completed", "c"));
      expect(await store.responses.putUnlessSettled(withStatus("cancelled", "d"))).toBe(false);
      expect(await store.responses.putUnlessSettled(withStatus("in_progress", "e"))).toBe(false);
      const kept = await store.responses.get("resp_bg", ann, t0);
      expect(kept?.response.status).toBe("completed");
      expect(kept?.request).toMatchObject({ input: [{ content: [{ text: "c" }] }] });
      // A record without a status (a foreground response stored before) is not a running one either.
      await store.responses.put(record("resp_plain", ann, t0, null));
      expect(await store.responses.putUnlessSettled(withStatus("in_progress", "f"))).toBe(false);
    });

    test("orphanedBackground: running background records (native or gateway-run) last written before a time, unexpired, and nothing else", async () => {
      const marker = { provider: "openai", key: null, stream: false, row: {} };
      const make = (id: string, status: string, writtenAt: Date, kind: "native" | "gateway" | "none" = "native", expiresAt: Date | null = null) => {
        const base = record(id, ann, writtenAt, expiresAt);
        const markers = kind === "native" ? { native_background: marker } : kind === "gateway" ? { gateway_background: { request_id: "req_1" } } : {};
        return { ...base, request: { ...base.request, ...markers }, response: { ...base.response, status } };
      };
      await store.responses.put(make("resp_orphan", "in_progress", t0));
      await store.responses.put(make("resp_orphan_q", "queued", t0));
      await store.responses.put(make("resp_recent", "in_progress", new Date(t0.getTime() + 10 * HOUR)));
      await store.responses.put(make("resp_done", "completed", t0));
      await store.responses.put(make("resp_gateway_run", "in_progress", t0, "gateway"));
      await store.responses.put(make("resp_gateway_recent", "in_progress", new Date(t0.getTime() + 10 * HOUR), "gateway"));
      await store.responses.put(make("resp_gateway_done", "failed", t0, "gateway"));
      // A running record with neither marker (written before gateway-run records had one) is left alone.
      await store.responses.put(make("resp_unmarked", "in_progress", t0, "none"));
      await store.responses.put(make("resp_expired", "in_progress", t0, "native", new Date(t0.getTime() + HOUR)));
      const found = await store.responses.orphanedBackground(new Date(t0.getTime() + HOUR), new Date(t0.getTime() + 2 * HOUR), 100);
      expect(found.map((row) => row.id).sort()).toEqual(["resp_gateway_run", "resp_orphan", "resp_orphan_q"]);
      expect(found.find((row) => row.id === "resp_orphan")!.request.native_background).toEqual(marker);
      expect(found.find((row) => row.id === "resp_gateway_run")!.request.gateway_background).toEqual({ request_id: "req_1" });
      expect(await store.responses.orphanedBackground(new Date(t0.getTime() + HOUR), t0, 1)).toHaveLength(1);
    });

    test("putUnlessSettled with writtenBefore: replaces a running record only if nobody wrote it since", async () => {
      const at = (writtenAt: Date, status: string) => {
        const base = record("resp_stale", ann, writtenAt, null);
        return { ...base, response: { ...base.response, status } };
      };
      await store.responses.put(at(t0, "in_progress"));
      // Its runner wrote it again after the sweep's cut-off: alive, left as it is.
      await store.responses.put(at(new Date(t0.getTime() + 2 * HOUR), "in_progress"));
      expect(await store.responses.putUnlessSettled(at(new Date(t0.getTime() + 3 * HOUR), "failed"), new Date(t0.getTime() + HOUR))).toBe(false);
      expect((await store.responses.get("resp_stale", ann, t0))?.response.status).toBe("in_progress");
      // Not written since the cut-off: settled.
      expect(await store.responses.putUnlessSettled(at(new Date(t0.getTime() + 3 * HOUR), "failed"), new Date(t0.getTime() + 2.5 * HOUR))).toBe(true);
      expect((await store.responses.get("resp_stale", ann, t0))?.response.status).toBe("failed");
      // A final state is never overwritten, stale or not.
      expect(await store.responses.putUnlessSettled(at(new Date(t0.getTime() + 4 * HOUR), "cancelled"), new Date(t0.getTime() + 10 * HOUR))).toBe(false);
      expect((await store.responses.get("resp_stale", ann, t0))?.response.status).toBe("failed");
    });

    test("delete removes only the owner's visible record", async () => {
      await store.responses.put(record("resp_del", ann, t0, null));
      expect(await store.responses.delete("resp_del", bob, t0)).toBe(false);
      expect(await store.responses.delete("resp_del", ann, t0)).toBe(true);
      expect(await store.responses.delete("resp_del", ann, t0)).toBe(false);
      expect(await store.responses.get("resp_del", ann, t0)).toBeNull();
    });
  });
}
