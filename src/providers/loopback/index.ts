import { checkAnthropicRequest } from "../../protocols/anthropic/request-checks";
import { checkChatRequest } from "../../protocols/openai-chat/request-checks";
import { checkResponsesRequest } from "../../protocols/openai-responses/request-checks";
import type { UpstreamOperation } from "../endpoints";
import { answerAnthropic, answerAnthropicCountTokens } from "./anthropic";
import { answerChat } from "./chat";
import { answerEmbeddings } from "./embeddings";
import { answerResponses } from "./responses";

/**
 * The loopback "upstream": answers any operation in its own protocol, as a real upstream would,
 * and refuses what that API would refuse among the fields the gateway reads, so a client
 * developed offline meets the same 400s it would meet online.
 */
export function answerLoopback(operation: UpstreamOperation, body: Record<string, unknown>, model: string): Response {
  checkLoopbackRequest(operation, body);
  switch (operation) {
    case "openai-chat":
      return answerChat(body, model);
    case "openai-responses":
      return answerResponses(body, model);
    case "anthropic":
      return answerAnthropic(body, model);
    case "anthropic-count-tokens":
      return answerAnthropicCountTokens(body);
    case "openai-embeddings":
      return answerEmbeddings(body, model);
  }
}

function checkLoopbackRequest(operation: UpstreamOperation, body: Record<string, unknown>): void {
  switch (operation) {
    case "openai-chat":
      return checkChatRequest(body);
    case "openai-responses":
      return checkResponsesRequest(body);
    case "anthropic":
    case "anthropic-count-tokens":
      return checkAnthropicRequest(body);
    case "openai-embeddings":
      return;
  }
}
