import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import { decodeResponsesError, readRetryHint, renderResponsesHttpError } from "../../../src/protocols/openai-responses/errors";

describe("Responses errors", () => {
  test("E02 E08 decodeError keeps the upstream message, type, code and retry delay", () => {
    const error = decodeResponsesError(
      429,
      { error: { message: "Rate limit reached. Please try again in 20ms.", type: "requests", code: "rate_limit_exceeded", param: null } },
      new Headers(),
    );
    expect(error).toMatchObject({ code: "upstream_rate_limited", status: 429, upstreamType: "requests", upstreamCode: "rate_limit_exceeded", retryAfter: 0.02 });
    expect(decodeResponsesError(429, {}, new Headers({ "retry-after-ms": "1500" })).retryAfter).toBe(1.5);
    expect(decodeResponsesError(503, {}, new Headers({ "retry-after": "7" })).retryAfter).toBe(7);
    const html = decodeResponsesError(502, `<html>${"x".repeat(2000)}</html>`, new Headers());
    expect(html.code).toBe("upstream_error");
    expect(html.message.length).toBeLessThanOrEqual(501);
  });

  test("SR08 readRetryHint parses seconds and milliseconds", () => {
    expect(readRetryHint("Please try again in 1.5s.")).toBe(1.5);
    expect(readRetryHint("try again in 300ms")).toBe(0.3);
    expect(readRetryHint("no hint")).toBeUndefined();
  });

  test("E01 E02 E06 overload from Anthropic (529) is a 503 server_is_overloaded for Codex", () => {
    const rendered = renderResponsesHttpError(new GatewayError("upstream_overloaded", 529, "Overloaded", { upstreamType: "overloaded_error" }));
    expect(rendered.status).toBe(503);
    expect(rendered.body).toEqual({ error: { message: "Overloaded", type: "server_error", param: null, code: "server_is_overloaded" } });
  });

  test("E03 quota exhaustion is 429 insufficient_quota, not a retryable rate limit", () => {
    const rendered = renderResponsesHttpError(new GatewayError("upstream_bad_request", 402, "credit balance is too low", { upstreamType: "billing_error" }));
    expect(rendered.status).toBe(429);
    expect(rendered.body.error.code).toBe("insufficient_quota");
    expect(renderResponsesHttpError(new GatewayError("upstream_quota_exceeded", 429, "quota")).body.error.code).toBe("insufficient_quota");
  });

  test("E04 an Anthropic 'prompt is too long' becomes context_length_exceeded", () => {
    const rendered = renderResponsesHttpError(new GatewayError("upstream_bad_request", 400, "prompt is too long: 250000 tokens > 200000 maximum"));
    expect(rendered.body.error).toMatchObject({ type: "invalid_request_error", code: "context_length_exceeded" });
  });

  test("E02 SR08 a 429 carries retry-after and the 'try again in Ns' hint Codex parses", () => {
    const rendered = renderResponsesHttpError(new GatewayError("upstream_rate_limited", 429, "Rate limited", { retryAfter: 3 }));
    expect(rendered.headers["retry-after"]).toBe("3");
    expect(rendered.body.error).toMatchObject({ type: "requests", code: "rate_limit_exceeded", message: "Rate limited. Please try again in 3s." });
  });

  test("E01 gateway errors use the OpenAI envelope with their own code and param", () => {
    const rendered = renderResponsesHttpError(new GatewayError("tool_loop_detected", 400, "loop", { param: "input" }));
    expect(rendered).toMatchObject({ status: 400, body: { error: { type: "invalid_request_error", code: "tool_loop_detected", param: "input" } } });
    expect(renderResponsesHttpError(new GatewayError("model_not_found", 404, "no model")).body.error.code).toBe("model_not_found");
    expect(renderResponsesHttpError(new GatewayError("upstream_timeout", 504, "slow")).body.error).toMatchObject({ type: "server_error", code: "timeout" });
  });
});
