import type { CanonicalResponse, ContentPart } from "../../canonical/types";
import { errorFromUpstreamStatus } from "../../errors/gateway-error";
import { decodeMessageContent, decodeReasoningItem } from "./decode-content";
import { flattenNamespacedName } from "./namespaced-names";
import { decodeResponsesStatus, decodeResponsesUsage, toFullUsage } from "./usage-status";
import { isRecord, readArray, readNumber, readString } from "./values";

/**
 * A Responses upstream's non-streaming body → canonical (N02, N04, K09, SA14 for the
 * item mapping). Lenient: missing fields are normal. A body with `status:"failed"` is an
 * upstream failure and throws the catalogue error.
 */
export function decodeResponsesResponse(body: unknown): CanonicalResponse {
  const response = isRecord(body) ? body : {};
  if (response.status === "failed") {
    const error = isRecord(response.error) ? response.error : {};
    const code = readString(error.code);
    throw errorFromUpstreamStatus(code === "rate_limit_exceeded" ? 429 : 502, readString(error.message) ?? "upstream response failed", {
      ...(code ? { upstreamCode: code } : {}),
    });
  }
  const content = decodeOutputItems(readArray(response.output));
  const hasToolCall = content.some((part) => part.type === "tool_call");
  const result: CanonicalResponse = {
    id: readString(response.id) ?? "",
    model: readString(response.model) ?? "",
    content,
    stopReason: decodeResponsesStatus(response.status, response.incomplete_details, hasToolCall),
    usage: toFullUsage(decodeResponsesUsage(response.usage)),
  };
  const created = readNumber(response.created_at);
  if (created !== undefined) result.created = created;
  return result;
}

/** Output items → assistant content, in output order. */
export function decodeOutputItems(items: unknown[]): ContentPart[] {
  const content: ContentPart[] = [];
  for (const raw of items) {
    if (!isRecord(raw)) continue;
    content.push(...decodeOutputItem(raw));
  }
  return content;
}

export function decodeOutputItem(item: Record<string, unknown>): ContentPart[] {
  switch (readString(item.type)) {
    case "message":
      return decodeMessageContent(item.content).filter((part) => !(part.type === "text" && part.text === ""));
    case "reasoning":
      return [decodeReasoningItem(item)];
    case "function_call":
    case "custom_tool_call": {
      const custom = item.type === "custom_tool_call";
      const namespace = readString(item.namespace);
      const itemId = readString(item.id);
      return [
        {
          type: "tool_call",
          id: readString(item.call_id) ?? itemId ?? "",
          name: flattenNamespacedName(namespace, readString(item.name) ?? ""),
          arguments: (custom ? readString(item.input) : readString(item.arguments)) ?? "",
          kind: custom ? "custom" : "function",
          ...(namespace ? { namespace } : {}),
          ...(itemId ? { itemId } : {}),
        },
      ];
    }
    default:
      // web_search_call and other hosted-tool items: only a Responses client can use them.
      return [{ type: "opaque", protocol: "openai-responses", value: item }];
  }
}
