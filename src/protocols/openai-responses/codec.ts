import type { ProtocolCodec } from "../../translate/codec";
import { decodeResponsesReasoning, decodeResponsesRequest } from "./decode-request";
import { decodeResponsesResponse } from "./decode-response";
import { encodeResponsesRequest } from "./encode-request";
import { encodeResponsesResponse } from "./encode-response";
import { decodeResponsesError } from "./errors";
import { resolveResponsesCodecOptions, type ResponsesCodecOptions } from "./options";
import { ResponsesStreamDecoder } from "./stream-decoder";
import { ResponsesStreamEncoder } from "./stream-encoder";

/**
 * The OpenAI Responses codec (POST /v1/responses): Codex CLI and SDK clients on the front,
 * Responses-only models upstream. Pure: no I/O, no module state; ids and the clock come
 * from the options so tests are deterministic.
 */
export function createOpenaiResponsesCodec(options: ResponsesCodecOptions = {}): ProtocolCodec {
  const resolved = resolveResponsesCodecOptions(options);
  return {
    protocol: "openai-responses",
    decodeRequest: (body) => decodeResponsesRequest(body),
    decodeReasoning: decodeResponsesReasoning,
    encodeRequest: (request, ctx) => encodeResponsesRequest(request, ctx),
    decodeResponse: (body) => decodeResponsesResponse(body),
    encodeResponse: (response, ctx) => encodeResponsesResponse(response, ctx, resolved),
    createStreamDecoder: () => new ResponsesStreamDecoder(),
    createStreamEncoder: (ctx) => new ResponsesStreamEncoder(ctx, resolved),
    decodeError: (status, body, headers) => decodeResponsesError(status, body, headers),
  };
}

/** The default codec: random ids, the wall clock, no agent rewrites. */
export const openaiResponsesCodec: ProtocolCodec = createOpenaiResponsesCodec();
