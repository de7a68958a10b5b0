import type { ProtocolCodec } from "../../translate/codec";
import { decodeAnthropicError } from "./errors";
import { decodeAnthropicReasoning, decodeAnthropicRequest } from "./request-decode";
import { encodeAnthropicRequest } from "./request-encode";
import { decodeAnthropicResponse, encodeAnthropicResponse } from "./response";
import { createAnthropicStreamDecoder } from "./stream-decoder";
import { createAnthropicStreamEncoder } from "./stream-encoder";

/** Everything the gateway knows about the Anthropic Messages wire format, through the hub. */
export const anthropicCodec: ProtocolCodec = {
  protocol: "anthropic",
  decodeRequest: decodeAnthropicRequest,
  decodeReasoning: decodeAnthropicReasoning,
  encodeRequest: encodeAnthropicRequest,
  decodeResponse: decodeAnthropicResponse,
  encodeResponse: encodeAnthropicResponse,
  createStreamDecoder: createAnthropicStreamDecoder,
  createStreamEncoder: createAnthropicStreamEncoder,
  decodeError: decodeAnthropicError,
};
