import type { Protocol } from "../canonical/types";
import { GatewayError } from "../errors/gateway-error";

/**
 * The request field that holds the conversation in the client's own protocol: what a refusal
 * of something inside it names as `param` (a Responses client sent `input`, never `messages`).
 */
export function conversationParam(clientProtocol: Protocol): "input" | "messages" {
  return clientProtocol === "openai-responses" ? "input" : "messages";
}

/**
 * C05: a file id belongs to the provider that issued it, so it cannot cross to another
 * provider's upstream. A 400 naming the client's own field, before anything is sent.
 */
export function fileIdError(clientProtocol: Protocol): GatewayError {
  return new GatewayError("invalid_request", 400, "file ids cannot be forwarded to this model's provider; send the file content inline instead", { param: conversationParam(clientProtocol) });
}
