import { describe, expect, test } from "bun:test";
import { errorFromUpstreamStatus, GatewayError } from "../../../src/errors/gateway-error";
import { providerFailureOf } from "../../../src/proxy/provider-failure";
import { UpstreamFailure } from "../../../src/proxy/send-attempt";

const answered = (status: number, retryAfter?: number) => new UpstreamFailure(errorFromUpstreamStatus(status, "upstream said no", retryAfter === undefined ? {} : { retryAfter }));

describe("which failed attempts count against their provider", () => {
  test("a 403 about one model (OpenAI's project without access to it) does not cool the provider: the client chose the model", () => {
    // OpenAI: 403 {"error":{"message":"Project `proj_…` does not have access to model `o1-pro`","code":"model_not_found"}}.
    // Counted as an account failure, any client could set the provider aside for 5 minutes for
    // every route that fails over from it, by naming a model the project may not use.
    const forbidden = new GatewayError("upstream_forbidden", 403, "Project `proj_x` does not have access to model `o1-pro`", { upstreamCode: "model_not_found" });
    expect(providerFailureOf(new UpstreamFailure(forbidden))).toBeUndefined();
    expect(forbidden.failsOver).toBe(true);
  });

  test("our own deadline is a timeout (trips at once); an upstream's own 504 or 408 answer is an ordinary failure", () => {
    expect(providerFailureOf(new GatewayError("upstream_timeout", 504, "upstream alpha did not answer within 400 ms"))).toEqual({ kind: "timeout", reason: "upstream_timeout (504)" });
    expect(providerFailureOf(answered(504))).toEqual({ kind: "error", reason: "upstream_timeout (504)" });
    expect(providerFailureOf(answered(408))).toMatchObject({ kind: "error" });
  });

  test("connect failures, 5xx and 429 count; a 429 carries its retry-after", () => {
    expect(providerFailureOf(new GatewayError("upstream_connect_failed", 502, "cannot reach upstream alpha: ECONNREFUSED"))).toEqual({ kind: "error", reason: "upstream_connect_failed (502)" });
    for (const status of [500, 502, 503, 529]) expect(providerFailureOf(answered(status))).toMatchObject({ kind: "error" });
    expect(providerFailureOf(answered(429, 12))).toEqual({ kind: "error", reason: "upstream_rate_limited (429)", retryAfterSeconds: 12 });
    expect(providerFailureOf(answered(429))).toEqual({ kind: "error", reason: "upstream_rate_limited (429)" });
  });

  test("the client's own errors, an unknown model, a client that left, and the gateway's own faults do not", () => {
    for (const status of [400, 404, 413, 422]) expect(providerFailureOf(answered(status))).toBeUndefined();
    expect(providerFailureOf(new GatewayError("upstream_error", 499, "client closed the request"))).toBeUndefined();
    expect(providerFailureOf(new GatewayError("internal_error", 500, "internal gateway error"))).toBeUndefined();
  });

  test("an account that cannot serve anyone (quota or credit exhausted, the gateway's key refused) counts as an account failure", () => {
    expect(providerFailureOf(new UpstreamFailure(new GatewayError("upstream_quota_exceeded", 429, "insufficient_quota")))).toEqual({ kind: "account", reason: "quota exhausted, upstream_quota_exceeded (429)" });
    expect(providerFailureOf(answered(402))).toEqual({ kind: "account", reason: "quota exhausted, upstream_quota_exceeded (402)" });
    expect(providerFailureOf(answered(401))).toEqual({ kind: "account", reason: "upstream_unauthorized (401)" });
    // A 403 may concern one model only (one the organisation may not use): it fails over without counting.
    expect(providerFailureOf(answered(403))).toBeUndefined();
  });
});
