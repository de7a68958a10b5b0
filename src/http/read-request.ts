import type { Protocol } from "../canonical/types";
import { GatewayError } from "../errors/gateway-error";
import { newRequestId } from "../proxy/request-id";
import { contentCodings, decodeBody } from "./content-encoding";
import { checkJsonDepth } from "./json-depth";

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
 * (an object with a string `model`, nested no deeper than MAX_JSON_DEPTH); everything else is
 * forwarded untouched (house rule 2).
 */
export async function readJsonBody(request: Request, limitBytes: number, options: { requireModel: boolean }): Promise<{ body: Record<string, unknown>; rawBody: Uint8Array }> {
  const buffer = await readBodyWithin(request, limitBytes, () => tooLarge(limitBytes));
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
  checkJsonDepth(object);
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

/**
 * The body's bytes, refused with `tooLarge` once past the limit; a client that hangs up before
 * its body is whole is a 499 (clientClosedWhileSending), its own doing, not the gateway's 500.
 */
export async function readBodyWithin(request: Request, limitBytes: number, tooLarge: () => GatewayError): Promise<ArrayBuffer> {
  try {
    return await readBodyBytes(request, limitBytes, tooLarge);
  } catch (error) {
    if (error instanceof GatewayError || !(request.signal.aborted || (error as Error)?.name === "AbortError")) throw error;
    throw clientClosedWhileSending();
  }
}

/**
 * The client went away while sending its body (Bun rejects the read with "The connection was
 * closed."). Status 499 as for a client that leaves during the answer: callers record it as
 * `client_closed`; the code is only the catalogue's placeholder, no one is left to read it.
 */
function clientClosedWhileSending(): GatewayError {
  return new GatewayError("invalid_request", 499, "the client closed the connection before its request body was complete");
}

/**
 * Bun's own cap (`maxRequestBodySize`) is set out of reach so every oversized body gets the protocol-shaped
 * 413 from here rather than Bun's empty one: a declared length is checked before reading, and a
 * chunked body is read piece by piece and abandoned at the limit, never buffered whole.
 */
async function readBodyBytes(request: Request, limitBytes: number, tooLarge: () => GatewayError): Promise<ArrayBuffer> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > limitBytes) throw tooLarge();
    // Bun reads exactly the declared length, so this cannot grow past it.
    return request.arrayBuffer();
  }
  if (!request.body) return new ArrayBuffer(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limitBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const joined = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined.buffer;
}

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError("body_too_large", 413, `request body is larger than the limit of ${Math.floor(limitBytes / (1024 * 1024))} MiB`);
}

/** Which protocol's error shape a path answers in (unknown paths under Anthropic prefixes get Anthropic errors). */
export function protocolForPath(path: string): Protocol {
  // /v1/complete is Anthropic's legacy Text Completions path: not served, but refused in its shape.
  return path.startsWith("/anthropic/") || path.startsWith("/v1/messages") || path === "/v1/complete" ? "anthropic" : "openai-chat";
}
