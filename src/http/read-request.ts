import type { Protocol } from "../canonical/types";
import { GatewayError } from "../errors/gateway-error";
import { newRequestId } from "../proxy/request-id";
import { contentCodings, decodeBody } from "./content-encoding";

/**
 * The id a request is answered with: the client's X-Request-ID when it is a sane token (then
 * also returned as `clientRequestId`), else a new gateway id.
 */
export function requestIdFor(headers: Headers): { requestId: string; clientRequestId?: string } {
  const given = headers.get("x-request-id");
  return given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? { requestId: given, clientRequestId: given } : { requestId: newRequestId() };
}


/** Stateless when not streaming, so one decoder serves every request. */
const utf8 = new TextDecoder();

/**
 * Read and parse a JSON request body under the size limit (decoding any content-encoding,
 * the limit then applying to the decoded bytes), and check the envelope only
 * (an object with a string `model`); everything else is forwarded untouched (house rule 2).
 */
export async function readJsonBody(request: Request, limitBytes: number, options: { requireModel: boolean }): Promise<{ body: Record<string, unknown>; rawBody: Uint8Array }> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const buffer = await request.arrayBuffer();
  if (buffer.byteLength > limitBytes) throw tooLarge(limitBytes);
  const codings = contentCodings(request.headers.get("content-encoding"));
  const rawBody = codings.length === 0 ? new Uint8Array(buffer) : decodeBody(new Uint8Array(buffer), codings, limitBytes, () => tooLarge(limitBytes));
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(rawBody));
  } catch (error) {
    throw new GatewayError("invalid_json", 400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new GatewayError("invalid_request", 400, "request body must be a JSON object");
  }
  const object = body as Record<string, unknown>;
  if (options.requireModel) {
    if (object.model === undefined || object.model === null || object.model === "") {
      throw new GatewayError("missing_model", 400, "you must provide a model parameter", { param: "model" });
    }
    if (typeof object.model !== "string") throw new GatewayError("invalid_request", 400, "model must be a string", { param: "model" });
  }
  if (object.stream !== undefined && typeof object.stream !== "boolean") {
    throw new GatewayError("invalid_request", 400, "stream must be a boolean", { param: "stream" });
  }
  return { body: object, rawBody };
}

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError("body_too_large", 413, `request body is larger than the limit of ${Math.floor(limitBytes / (1024 * 1024))} MiB`);
}

/** Which protocol's error shape a path answers in (unknown paths under Anthropic prefixes get Anthropic errors). */
export function protocolForPath(path: string): Protocol {
  return path.startsWith("/anthropic/") || path.startsWith("/v1/messages") ? "anthropic" : "openai-chat";
}
