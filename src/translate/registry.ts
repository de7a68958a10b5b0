import type { Protocol } from "../canonical/types";
import { anthropicCodec } from "../protocols/anthropic/codec";
import { openaiChatCodec } from "../protocols/openai-chat/codec";
import type { ProtocolCodec } from "./codec";
import { composeTranslator } from "./compose";
import type { Translator } from "./types";

/** One codec per wire protocol; any pair of them composes into a translator (N + M, not N × M). */
const CODECS: Partial<Record<Protocol, ProtocolCodec>> = {
  anthropic: anthropicCodec,
  "openai-chat": openaiChatCodec,
  // "openai-responses": openaiResponsesCodec,  ← add with its import from ../protocols/openai-responses/codec
};

/**
 * The translator for a client protocol served by a different upstream protocol, or
 * undefined when that pair is not implemented yet (the caller answers 501). Same-protocol
 * traffic takes the passthrough path and never comes here.
 */
export function findTranslator(client: Protocol, upstream: Protocol): Translator | undefined {
  if (client === upstream) return undefined;
  const clientCodec = CODECS[client];
  const upstreamCodec = CODECS[upstream];
  if (!clientCodec || !upstreamCodec) return undefined;
  return composeTranslator(clientCodec, upstreamCodec);
}
