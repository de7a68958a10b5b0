import { describe, expect, test } from "bun:test";
import { previousResponseNotFound } from "../../../src/protocols/openai-responses/history";
import { renderResponsesHttpError } from "../../../src/protocols/openai-responses/errors";

describe("Responses history (previous_response_id)", () => {
  test("R02 an unknown id is a 400 previous_response_not_found on param previous_response_id", () => {
    const rendered = renderResponsesHttpError(previousResponseNotFound("resp_x"));
    expect(rendered).toMatchObject({ status: 400, body: { error: { code: "previous_response_not_found", param: "previous_response_id" } } });
  });
});
