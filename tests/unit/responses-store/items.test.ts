import { describe, expect, test } from "bun:test";
import { normaliseInputItems, paginateItems, parseListQuery, withListingIds } from "../../../src/responses-store/items";

describe("stored response items", () => {
  test("input is normalised the way OpenAI lists it; other items are kept as sent", () => {
    expect(normaliseInputItems("hi")).toEqual([{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }]);
    const call = { type: "function_call", call_id: "c1", name: "ls", arguments: "{}" };
    expect(
      normaliseInputItems([
        { role: "developer", content: "rules" },
        { role: "assistant", content: "ok" },
        { type: "message", role: "user", content: [{ type: "input_text", text: "x" }] },
        call,
      ]),
    ).toEqual([
      { type: "message", role: "developer", content: [{ type: "input_text", text: "rules" }] },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "ok", annotations: [] }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: "x" }] },
      call,
    ]);
    expect(normaliseInputItems(undefined)).toEqual([]);
  });

  test("listing ids: an item's own id is kept, others get a stable one from the response id and position", () => {
    const items = withListingIds("resp_1", [{ type: "message", role: "user" }, { id: "fc_9", type: "function_call" }, { type: "function_call_output" }]);
    expect(items.map((item) => item.id)).toEqual(["msg_resp_1_0", "fc_9", "item_resp_1_2"]);
    expect(withListingIds("resp_1", [{ type: "message" }])[0]!.id).toBe("msg_resp_1_0");
  });

  test("pagination: desc by default, limit, after cursor, has_more; bad values are 400 naming the parameter", () => {
    const items = withListingIds("r", [1, 2, 3, 4, 5].map((n) => ({ type: "message", n })));
    const first = paginateItems(items, parseListQuery(new URLSearchParams("limit=2")));
    expect(first).toMatchObject({ object: "list", first_id: "msg_r_4", last_id: "msg_r_3", has_more: true });
    const second = paginateItems(items, parseListQuery(new URLSearchParams("limit=2&after=msg_r_3")));
    // Ids count positions from 0: msg_r_3 is the fourth item (n = 4).
    expect((second.data as Array<{ n: number }>).map((item) => item.n)).toEqual([3, 2]);
    expect(second.has_more).toBe(true);
    const last = paginateItems(items, parseListQuery(new URLSearchParams(`limit=2&after=${second.last_id}`)));
    expect((last.data as Array<{ n: number }>).map((item) => item.n)).toEqual([1]);
    expect(last.has_more).toBe(false);
    const asc = paginateItems(items, parseListQuery(new URLSearchParams("order=asc")));
    expect((asc.data as Array<{ n: number }>).map((item) => item.n)).toEqual([1, 2, 3, 4, 5]);
    expect(paginateItems([], parseListQuery(new URLSearchParams()))).toEqual({ object: "list", data: [], first_id: null, last_id: null, has_more: false });
    expect(() => parseListQuery(new URLSearchParams("limit=101"))).toThrow(expect.objectContaining({ status: 400, param: "limit" }));
    expect(() => parseListQuery(new URLSearchParams("limit=2.5"))).toThrow(expect.objectContaining({ param: "limit" }));
    expect(() => parseListQuery(new URLSearchParams("order=sideways"))).toThrow(expect.objectContaining({ param: "order" }));
    expect(() => paginateItems(items, { order: "asc", limit: 20, after: "msg_nope" })).toThrow(expect.objectContaining({ status: 400, param: "after" }));
  });
});
