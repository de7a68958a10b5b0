import type { Protocol } from "../canonical/types";
import { anthropicCodec } from "../protocols/anthropic/codec";
import { openaiChatCodec } from "../protocols/openai-chat/codec";
import { openaiResponsesCodec } from "../protocols/openai-responses/codec";
import type { ProtocolCodec } from "./codec";
import { composeTranslator } from "./compose";
import type { Translator } from "./types";

/** One codec per wire protocol; any pair of them composes into a translator (N + M, not N × M). */
const CODECS: Partial<Record<Protocol, ProtocolCodec>> = {
  anthropic: anthropicCodec,
  "openai-chat": openaiChatCodec,
  "openai-responses": openaiResponsesCodec,
};

/** The codec of one wire protocol (the native loop guard decodes a client's history with it). */
export function findCodec(protocol: Protocol): ProtocolCodec | undefined {
  return CODECS[protocol];
}

/**
 * The translator for a client protocol served by an upstream protocol, or undefined when that
 * pair is not implemented (the caller answers 501). Same-protocol traffic normally takes the
 * passthrough path; it comes here only in work_mode=translation (a round trip through the hub).
 */
export function findTranslator(client: Protocol, upstream: Protocol): Translator | undefined {
  const clientCodec = CODECS[client];
  const upstreamCodec = CODECS[upstream];
  if (!clientCodec || !upstreamCodec) return undefined;
  return composeTranslator(clientCodec, upstreamCodec);
}
