import { describe, expect, test } from "bun:test";
import type { CanonicalResponse } from "../../../src/canonical/types";
import { expandConversation, previousResponseNotFound } from "../../../src/protocols/openai-responses/history";
import { renderResponsesHttpError } from "../../../src/protocols/openai-responses/errors";
import { testCodec } from "./support";

const codec = testCodec();

describe("Responses history (previous_response_id)", () => {
  test("R02 stored request + stored answer + new input become one self-contained conversation", () => {
    const first = codec.decodeRequest({ model: "m", instructions: "old rules", input: "list files", tools: [{ type: "function", name: "ls" }] });
    const answer: CanonicalResponse = {
      id: "resp_1",
      model: "m",
      content: [
        { type: "text", text: "Calling ls." },
        { type: "tool_call", id: "call_1", name: "ls", arguments: "{}", kind: "function" },
      ],
      stopReason: "tool_use",
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    };
    const next = codec.decodeRequest({
      model: "m",
      instructions: "new rules",
      previous_response_id: "resp_1",
      input: [{ type: "function_call_output", call_id: "call_1", output: "a.txt" }, { role: "user", content: "thanks" }],
    });
    const expanded = expandConversation({ request: first, response: answer }, next);
    expect(expanded.previousResponseId).toBeUndefined();
    expect(expanded.system).toEqual([{ type: "text", text: "new rules" }]);
    expect(expanded.tools).toEqual([]);
    expect(expanded.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "list files" }] },
      { role: "assistant", content: answer.content },
      {
        role: "user",
        content: [
          { type: "tool_result", toolCallId: "call_1", kind: "function", content: [{ type: "text", text: "a.txt" }] },
          { type: "text", text: "thanks" },
        ],
      },
    ]);
    // A chain needs only the newest link: the expanded request is what gets stored next.
    const third = codec.decodeRequest({ model: "m", previous_response_id: "resp_2", input: "more" });
    const again = expandConversation({ request: expanded, response: { ...answer, content: [{ type: "text", text: "done" }] } }, third);
    expect(again.messages.map((message) => message.role)).toEqual(["user", "assistant", "user", "assistant", "user"]);
  });

  test("R02 an unknown id is a 400 previous_response_not_found on param previous_response_id", () => {
    const rendered = renderResponsesHttpError(previousResponseNotFound("resp_x"));
    expect(rendered).toMatchObject({ status: 400, body: { error: { code: "previous_response_not_found", param: "previous_response_id" } } });
  });
});
