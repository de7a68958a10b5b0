import { describe, expect, test } from "bun:test";
import { compactThresholdOf, renderCompactedConversation } from "../../../src/proxy/context-management";

const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const assistant = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const call = { type: "function_call", call_id: "c1", name: "ls", arguments: "{}" };
const output = { type: "function_call_output", call_id: "c1", output: "a.txt" };
const compaction = { type: "compaction", id: "cmp_1", encrypted_content: "tgwcmp1.c3VtbWFyeQ" };

describe("compactThresholdOf", () => {
  test("reads the compaction entry's threshold; none, null or an entry without one means no threshold", () => {
    expect(compactThresholdOf([{ type: "compaction", compact_threshold: 5000 }])).toBe(5000);
    expect(compactThresholdOf([{ type: "compaction" }])).toBeUndefined();
    expect(compactThresholdOf([{ type: "compaction", compact_threshold: null }])).toBeUndefined();
    expect(compactThresholdOf(null)).toBeUndefined();
  });

  test("refuses what OpenAI refuses, naming the field", () => {
    expect(() => compactThresholdOf({ type: "compaction" })).toThrow(expect.objectContaining({ status: 400, param: "context_management" }));
    expect(() => compactThresholdOf([{ type: "trimming" }])).toThrow(expect.objectContaining({ status: 400, param: "context_management[0].type" }));
    expect(() => compactThresholdOf([{ type: "compaction", compact_threshold: "big" }])).toThrow(expect.objectContaining({ status: 400, param: "context_management[0].compact_threshold" }));
    expect(() => compactThresholdOf([{ type: "compaction", compact_threshold: 0 }])).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe("renderCompactedConversation", () => {
  test("without a compaction item the conversation is the same list", () => {
    const items = [user("a"), call, output, assistant("b")];
    expect(renderCompactedConversation(items)).toBe(items);
  });

  test("before the latest compaction item only user messages stay; everything after it stays", () => {
    const older = { ...compaction, id: "cmp_0" };
    const items = [user("a"), call, output, older, assistant("b"), user("c"), compaction, assistant("d"), user("e")];
    expect(renderCompactedConversation(items)).toEqual([user("a"), user("c"), compaction, assistant("d"), user("e")]);
  });
});
