import { describe, expect, test } from "bun:test";
import { checkOptional, checkRequired, matchesKind } from "../../../src/protocols/field-types";

describe("request field types", () => {
  test("kinds follow JSON, not JavaScript: NaN and infinities are no numbers, 2.0 is an integer", () => {
    expect(matchesKind(Number.NaN, "number")).toBe(false);
    expect(matchesKind(Number.POSITIVE_INFINITY, "number")).toBe(false);
    expect(matchesKind(2.0, "integer")).toBe(true);
    expect(matchesKind(2.5, "integer")).toBe(false);
    expect(matchesKind([], "object")).toBe(false);
    expect(matchesKind(null, "object")).toBe(false);
    expect(matchesKind({}, "string or object")).toBe(true);
    expect(matchesKind([], "string or object")).toBe(false);
  });

  test("optional fields accept null and absence; required ones refuse them and empty ids", () => {
    expect(() => checkOptional(null, "integer", "max_tokens", "openai")).not.toThrow();
    expect(() => checkOptional(undefined, "integer", "max_tokens", "openai")).not.toThrow();
    expect(() => checkRequired("", "string", "id", "anthropic")).toThrow("id: Field required");
    expect(() => checkRequired("", "string", "text", "anthropic", true)).not.toThrow();
    expect(() => checkRequired(null, "string", "tool_call_id", "openai")).toThrow("Missing required parameter: 'tool_call_id'.");
  });

  test("errors are 400 invalid_request naming the parameter, in each API's wording", () => {
    let caught: any;
    try {
      checkOptional(3.5, "integer", "top_k", "openai");
    } catch (error) {
      caught = error;
    }
    expect({ status: caught.status, code: caught.code, param: caught.param }).toEqual({ status: 400, code: "invalid_request", param: "top_k" });
    expect(caught.message).toBe("Invalid type for 'top_k': expected an integer, but got a decimal instead.");
    expect(() => checkOptional(true, "number", "temperature", "anthropic")).toThrow("temperature: Input should be a number");
  });
});
