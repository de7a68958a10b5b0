import { anthropicCodec } from "../../protocols/anthropic/codec";
import { openaiChatCodec } from "../../protocols/openai-chat/codec";
import { openaiResponsesCodec } from "../../protocols/openai-responses/codec";
import { GatewayError } from "../../errors/gateway-error";
import type { UpstreamOperation } from "../endpoints";
import { answerAnthropic, answerAnthropicCountTokens } from "./anthropic";
import { answerChat } from "./chat";
import { answerEmbeddings } from "./embeddings";
import { answerResponses, answerResponsesInputTokens } from "./responses";

/**
 * The loopback "upstream": answers any operation in its own protocol, as a real upstream would,
 * and refuses what that API would refuse among the fields the gateway reads, so a client
 * developed offline meets the same 400s it would meet online.
 */
export function answerLoopback(operation: UpstreamOperation, body: Record<string, unknown>, model: string, responseId?: string): Response {
  checkLoopbackRequest(operation, body);
  switch (operation) {
    case "openai-chat":
      return answerChat(body, model);
    case "openai-responses":
      return answerResponses(body, model, responseId);
    case "anthropic":
      return answerAnthropic(body, model);
    case "anthropic-count-tokens":
      return answerAnthropicCountTokens(body);
    case "openai-embeddings":
      return answerEmbeddings(body, model);
    case "openai-responses-input-tokens":
      return answerResponsesInputTokens(body);
    case "openai-responses-compact":
      // The compact endpoint serves loopback through gateway compaction (src/proxy/compact-endpoint.ts).
      throw new GatewayError("internal_error", 500, "loopback has no /responses/compact of its own");
  }
}

/**
 * Decode the request exactly as a translated route would (and drop the result), so loopback
 * refuses the same bodies with the same 400s: field types, roles, item shapes, missing ids.
 */
function checkLoopbackRequest(operation: UpstreamOperation, body: Record<string, unknown>): void {
  switch (operation) {
    case "openai-chat":
      // n > 1 is refused only because Claude-class upstreams cannot give several choices;
      // loopback can (and checks n itself).
      openaiChatCodec.decodeRequest({ ...body, n: undefined });
      return;
    case "openai-responses":
    case "openai-responses-input-tokens":
      openaiResponsesCodec.decodeRequest(body);
      return;
    case "anthropic":
    case "anthropic-count-tokens":
      anthropicCodec.decodeRequest(body);
      return;
    case "openai-embeddings":
    case "openai-responses-compact":
      return;
  }
}
