/**
 * Anthropic's message threads: `thread: {type: "create"}` asks the server to hold the
 * conversation, `{type: "continue", previous_message_id}` sends only the new turn's messages
 * (and no `tools`) against what it holds. The official SDK's tool runner threads by default.
 * Nothing holds a thread for a model another protocol serves, or for an Anthropic-compatible
 * server of another vendor, and dropping the field would send the model a turn without its
 * history. So the request is refused as Anthropic refuses one it cannot thread: a 400 with
 * `details.error_code: "thread_unsupported_request"`, on which the SDK sends the whole
 * conversation without `thread` (its `continue_unthreaded` fallback, the tool runner's default)
 * or tells the caller to.
 */
import { GatewayError } from "../../errors/gateway-error";

/** Throws Anthropic's thread refusal when the body asks for a thread; `where` says who cannot hold it. */
export function refuseAnthropicThread(body: Record<string, unknown>, where: string): void {
  if (body.thread === undefined || body.thread === null) return;
  // translation_unsupported: a route's next provider, if it is Anthropic itself, may still hold it.
  throw new GatewayError(
    "translation_unsupported",
    400,
    `thread: server-held conversation state is not available for model '${String(body.model)}' (${where}); send the whole conversation without \`thread\``,
    { param: "thread", details: { error_code: "thread_unsupported_request" } },
  );
}
