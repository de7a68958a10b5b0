import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import { RESPONSES_INCLUDE_VALUES } from "../../../src/protocols/openai-responses/include-and-truncation";
import { renderResponsesHttpError } from "../../../src/protocols/openai-responses/errors";
import { testCodec } from "./support";

/**
 * R09 P09: the Responses fields with a fixed set of values (`include`, `truncation`) and the
 * `top_logprobs` range are refused as OpenAI refuses them, in its error shape, by the decoder
 * every translated (and loopback) route runs before anything goes upstream.
 */
const codec = testCodec();

function refusal(body: Record<string, unknown>): { status: number; error: { message: string; type: string; param: string | null; code: string | null } } {
  try {
    codec.decodeRequest({ model: "m", input: "hi", ...body });
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    const rendered = renderResponsesHttpError(error as GatewayError);
    return { status: rendered.status, error: rendered.body.error as never };
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

describe("include", () => {
  test("every value OpenAI documents is accepted, together", () => {
    expect(() => codec.decodeRequest({ model: "m", input: "hi", include: [...RESPONSES_INCLUDE_VALUES] })).not.toThrow();
    expect(() => codec.decodeRequest({ model: "m", input: "hi", include: [] })).not.toThrow();
    expect(() => codec.decodeRequest({ model: "m", input: "hi", include: null })).not.toThrow();
  });

  test("an unknown entry is a 400 naming its position and listing the supported values", () => {
    const { status, error } = refusal({ include: ["reasoning.encrypted_content", "output_text.logprobs"] });
    expect(status).toBe(400);
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe("include[1]");
    expect(error.message).toStartWith("Invalid value: 'output_text.logprobs'. Supported values are: 'file_search_call.results', 'web_search_call.results',");
    expect(error.message).toEndWith(", and 'message.output_text.logprobs'.");
  });

  test("a non-string entry and a non-array include are refused too", () => {
    expect(refusal({ include: [42] }).error).toMatchObject({ param: "include[0]", type: "invalid_request_error" });
    expect(refusal({ include: [42] }).error.message).toStartWith("Invalid value: '42'.");
    expect(refusal({ include: "message.output_text.logprobs" }).error).toMatchObject({
      param: "include",
      message: "Invalid type for 'include': expected an array, but got a string instead.",
    });
  });
});

describe("truncation", () => {
  test("auto, disabled and null are accepted, and kept for the echo", () => {
    for (const truncation of ["auto", "disabled"]) expect(codec.decodeRequest({ model: "m", input: "hi", truncation }).extra.fields.truncation).toBe(truncation);
    expect(() => codec.decodeRequest({ model: "m", input: "hi", truncation: null })).not.toThrow();
  });

  test("any other value is a 400 naming truncation", () => {
    const { status, error } = refusal({ truncation: "oldest_first" });
    expect(status).toBe(400);
    expect(error).toEqual({ type: "invalid_request_error", param: "truncation", code: null, message: "Invalid value: 'oldest_first'. Supported values are: 'auto' and 'disabled'." });
    expect(refusal({ truncation: true }).error).toMatchObject({ param: "truncation", message: "Invalid type for 'truncation': expected a string, but got a boolean instead." });
  });
});

describe("top_logprobs", () => {
  test("integers 0 to 20 are accepted", () => {
    for (const top of [0, 5, 20]) expect(() => codec.decodeRequest({ model: "m", input: "hi", top_logprobs: top })).not.toThrow();
  });

  test("out of range or not an integer is a 400 naming top_logprobs", () => {
    expect(refusal({ top_logprobs: 21 }).error).toMatchObject({ param: "top_logprobs", message: "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 21 instead." });
    expect(refusal({ top_logprobs: -1 }).error).toMatchObject({ param: "top_logprobs", message: "Invalid 'top_logprobs': integer below minimum value. Expected a value >= 0, but got -1 instead." });
    expect(refusal({ top_logprobs: 2.5 }).error).toMatchObject({ param: "top_logprobs", message: "Invalid type for 'top_logprobs': expected an integer, but got a decimal instead." });
    expect(refusal({ top_logprobs: "3" }).error.param).toBe("top_logprobs");
  });
});

describe("the logprobs request", () => {
  test("include message.output_text.logprobs asks for logprobs, with top_logprobs alternatives", () => {
    expect(codec.decodeRequest({ model: "m", input: "hi", include: ["message.output_text.logprobs"], top_logprobs: 3 }).logprobs).toEqual({ topLogprobs: 3 });
    expect(codec.decodeRequest({ model: "m", input: "hi", include: ["reasoning.encrypted_content", "message.output_text.logprobs"] }).logprobs).toEqual({});
  });

  test("top_logprobs alone, or other include values, ask for none (as at OpenAI)", () => {
    expect(codec.decodeRequest({ model: "m", input: "hi", top_logprobs: 3 }).logprobs).toBeUndefined();
    expect(codec.decodeRequest({ model: "m", input: "hi", include: ["reasoning.encrypted_content"] }).logprobs).toBeUndefined();
  });
});
