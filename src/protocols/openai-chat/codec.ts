import type { ProtocolCodec } from "../../translate/codec";
import { decodeOpenAIError } from "./errors";
import { decodeChatReasoning, decodeChatRequest } from "./request-decode";
import { encodeChatRequest } from "./request-encode";
import { decodeChatResponse, encodeChatResponse } from "./response";
import { createChatStreamDecoder } from "./stream-decoder";
import { createChatStreamEncoder } from "./stream-encoder";

/** Everything the gateway knows about the Chat Completions wire format, through the hub. */
export const openaiChatCodec: ProtocolCodec = {
  protocol: "openai-chat",
  decodeRequest: decodeChatRequest,
  decodeReasoning: decodeChatReasoning,
  encodeRequest: encodeChatRequest,
  decodeResponse: decodeChatResponse,
  encodeResponse: encodeChatResponse,
  createStreamDecoder: createChatStreamDecoder,
  createStreamEncoder: createChatStreamEncoder,
  decodeError: decodeOpenAIError,
};
