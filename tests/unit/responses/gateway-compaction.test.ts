import { describe, expect, test } from "bun:test";
import { asksForCompaction, decodeCompactionBlob, encodeCompactionBlob, withGatewayCompactionsExpanded } from "../../../src/protocols/openai-responses/gateway-compaction";
import { decodeResponsesInput } from "../../../src/protocols/openai-responses/decode-input";

describe("gateway compaction items", () => {
  test("a summary survives the blob round trip (any text), and OpenAI's own blobs are not taken for ours", () => {
    const summary = "Goal: ünïcode ✓ and \"quotes\"\nline two";
    expect(decodeCompactionBlob(encodeCompactionBlob(summary))).toBe(summary);
    expect(decodeCompactionBlob("gAAAAABo-openai-encrypted")).toBeUndefined();
    expect(decodeCompactionBlob(undefined)).toBeUndefined();
  });

  test("only a trailing compaction_trigger asks for a compaction", () => {
    expect(asksForCompaction([{ type: "message", role: "user", content: "x" }, { type: "compaction_trigger" }])).toBe(true);
    expect(asksForCompaction([{ type: "compaction_trigger" }, { type: "message", role: "user", content: "x" }])).toBe(false);
    expect(asksForCompaction("compaction_trigger")).toBe(false);
  });

  test("replayed, our compaction is the user message of its summary; OpenAI's stays as it is", () => {
    const ours = { type: "compaction", id: "cmp_1", encrypted_content: encodeCompactionBlob("the summary") };
    const theirs = { type: "compaction", id: "cmp_2", encrypted_content: "gAAAA-openai" };
    const input = [ours, theirs];
    const expanded = withGatewayCompactionsExpanded(input) as Array<Record<string, any>>;
    expect(expanded[0]).toMatchObject({ type: "message", role: "user" });
    expect(expanded[0]!.content[0].text).toEndWith("the summary");
    expect(expanded[1]).toBe(theirs);
    const untouched = [theirs];
    expect(withGatewayCompactionsExpanded(untouched)).toBe(untouched);

    const decoded = decodeResponsesInput([ours, { type: "message", role: "user", content: "go on" }]);
    expect(decoded.messages).toHaveLength(1);
    expect(decoded.messages[0]!.role).toBe("user");
    expect(JSON.stringify(decoded.messages[0]!.content)).toContain("the summary");
  });
});
