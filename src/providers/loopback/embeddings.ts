import { createHash } from "node:crypto";
import { GatewayError } from "../../errors/gateway-error";
import { countLoopbackTokens, jsonResponse } from "./reply";

type Json = Record<string, unknown>;

/**
 * Loopback embeddings: deterministic unit vectors derived from a hash of each input, so equal
 * inputs embed equally and tests can compare vectors. 1536 dimensions unless `dimensions` says.
 */
export function answerEmbeddings(body: Json, model: string): Response {
  const inputs = normaliseInputs(body.input);
  // Null counts as absent, as on every route; a string is refused, as OpenAI refuses it.
  const dimensions = body.dimensions ?? 1536;
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 4096) {
    throw new GatewayError("invalid_request", 400, "dimensions must be an integer from 1 to 4096", { param: "dimensions" });
  }
  const format = body.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    throw new GatewayError("invalid_request", 400, `encoding_format must be 'float' or 'base64', got ${JSON.stringify(format)}`, { param: "encoding_format" });
  }
  const base64 = format === "base64";
  const data = inputs.map((input, index) => {
    const vector = embed(input, dimensions);
    return { object: "embedding", index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector };
  });
  const promptTokens = inputs.reduce((sum, input) => sum + countLoopbackTokens(input), 0);
  return jsonResponse({ object: "list", data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } });
}

function normaliseInputs(input: unknown): string[] {
  if (typeof input === "string" && input.length > 0) return [input];
  if (Array.isArray(input) && input.length > 0 && input.length <= 2048) {
    // Token-id arrays are accepted too (the OpenAI API allows them); they embed by their text form.
    return input.map((item) => (typeof item === "string" ? item : JSON.stringify(item)));
  }
  throw new GatewayError("invalid_request", 400, "input must be a non-empty string or an array of 1 to 2048 inputs", { param: "input" });
}

function embed(text: string, dimensions: number): number[] {
  const vector: number[] = [];
  let block = createHash("sha256").update(text).digest();
  for (let i = 0; vector.length < dimensions; i++) {
    if (i > 0 && i % 32 === 0) block = createHash("sha256").update(block).digest();
    vector.push(block[i % 32]! / 127.5 - 1);
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0)) || 1;
  return vector.map((value) => value / norm);
}
