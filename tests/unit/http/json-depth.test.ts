import { describe, expect, test } from "bun:test";
import { checkJsonDepth, MAX_JSON_DEPTH } from "../../../src/http/json-depth";
import { GatewayError } from "../../../src/errors/gateway-error";

/** `{ model, <field>: [[...]] }` whose deepest array sits at body level `levels`. */
const bodyWithDepth = (levels: number, field = "messages") => JSON.parse(`{"model":"m","${field}":${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}}`);

const refusal = (body: Record<string, unknown>) => {
  try {
    checkJsonDepth(body);
  } catch (error) {
    return error as GatewayError;
  }
  return undefined;
};

describe("checkJsonDepth", () => {
  test("a body at the limit passes; one level more is a 400 naming the top-level field", () => {
    expect(refusal(bodyWithDepth(MAX_JSON_DEPTH))).toBeUndefined();
    const error = refusal(bodyWithDepth(MAX_JSON_DEPTH + 1, "tools"))!;
    expect(error).toBeInstanceOf(GatewayError);
    expect({ status: error.status, code: error.code, param: error.param }).toEqual({ status: 400, code: "invalid_request", param: "tools" });
    expect(error.message).toStartWith(`Invalid 'tools': JSON nested more than ${MAX_JSON_DEPTH} levels deep (at tools[0][0][0][0][0][0][0]…).`);
  });

  test("the path names object keys and array indexes where the body went too deep", () => {
    let inner: unknown = {};
    for (let level = 0; level < MAX_JSON_DEPTH; level += 1) inner = { x: inner };
    const error = refusal({ model: "m", tools: [{ name: "f" }, { name: "g", parameters: inner }] })!;
    expect(error.param).toBe("tools");
    expect(error.message).toContain("(at tools[1].parameters.x.x.x.x.x…)");
  });

  test("a million levels are refused without overflowing the stack (the check does not recurse)", () => {
    const deep = JSON.parse(`{"model":"m","input":${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}}`);
    expect(refusal(deep)?.param).toBe("input");
  });

  test("wide bodies of ordinary depth pass", () => {
    const messages = Array.from({ length: 5_000 }, () => ({ role: "user", content: [{ type: "text", text: "hi" }] }));
    expect(refusal({ model: "m", messages })).toBeUndefined();
  });
});
