import type { UpstreamOperation } from "../endpoints";
import { answerAnthropic, answerAnthropicCountTokens } from "./anthropic";
import { answerChat } from "./chat";
import { answerEmbeddings } from "./embeddings";
import { answerResponses } from "./responses";

/** The loopback "upstream": answers any operation in its own protocol, as a real upstream would. */
export function answerLoopback(operation: UpstreamOperation, body: Record<string, unknown>, model: string): Response {
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
