import type { ContentPart, Message, TextPart } from "../../canonical/types";
import { GatewayError } from "../../errors/gateway-error";
import { decodeMessageContent, decodeReasoningItem, decodeToolOutput } from "./decode-content";
import { checkOptional, checkRequired, missingFieldError } from "../field-types";
import { compactionSummaryMessage, decodeCompactionBlob } from "./gateway-compaction";
import { itemReferenceNotFound } from "./history";
import { flattenNamespacedName } from "./namespaced-names";
import { isRecord, readString } from "./values";
import { quoteClientValue } from "../wire-values";
import { normalizeArgumentsText } from "../../translate/tool-arguments";

export interface DecodedInput {
  /** Text of the leading system/developer items (M04), after `instructions`. */
  leadingSystem: TextPart[];
  messages: Message[];
}

/**
 * Responses `input` → canonical messages.
 * - A bare string, "easy" messages without `type`, and string content are all valid (R08).
 * - Leading system/developer items join the system prompt (M04: Codex 0.169 sends its whole
 *   prompt this way); later ones stay in place as system/developer turns (M03).
 * - Items of one role in a row merge into one turn, so consecutive function_call items and
 *   the message/reasoning items around them become one assistant turn and their outputs one
 *   user turn, tool results first (M07, M06, M09).
 * - Replayed items are all accepted (H09); ids and statuses we do not need are ignored.
 */
export function decodeResponsesInput(input: unknown): DecodedInput {
  if (typeof input === "string") return { leadingSystem: [], messages: [{ role: "user", content: [{ type: "text", text: input }] }] };
  if (input === undefined || input === null) return { leadingSystem: [], messages: [] };
  if (!Array.isArray(input)) throw new GatewayError("invalid_request", 400, "input must be a string or an array of items", { param: "input" });

  const builder = new TurnBuilder();
  input.forEach((raw, index) => {
    if (!isRecord(raw)) throw new GatewayError("invalid_request", 400, `input[${index}] must be an object`, { param: `input[${index}]` });
    decodeItem(raw, index, builder);
  });
  return { leadingSystem: builder.leadingSystem, messages: builder.messages };
}

const MESSAGE_ROLES: readonly string[] = ["user", "assistant", "system", "developer"];

/**
 * A message's content as the Responses API checks it: a string or an array of part objects, text
 * parts with string text. The decoder skips what it cannot read, so `content: 5` or a text part
 * without text reached the model as an empty turn, answered with a 200 about nothing.
 */
function checkMessageContent(content: unknown, param: string): void {
  checkOptional(content, "string or array", param, "openai");
  if (!Array.isArray(content)) return;
  content.forEach((part: unknown, index) => {
    checkRequired(part, "object", `${param}[${index}]`, "openai");
    const { type, text } = part as Record<string, unknown>;
    if (type === "input_text" || type === "output_text") checkRequired(text, "string", `${param}[${index}].text`, "openai", true);
  });
}

function decodeItem(item: Record<string, unknown>, index: number, builder: TurnBuilder): void {
  const type = readString(item.type) ?? "message";
  switch (type) {
    case "message": {
      const role = readString(item.role) ?? "user";
      // Any other role was taken for "user": a typo'd role spoke as the user without a word.
      if (!MESSAGE_ROLES.includes(role)) throw new GatewayError("invalid_request", 400, `Invalid value: '${quoteClientValue(role)}'. Supported values are: 'user', 'assistant', 'system', and 'developer'.`, { param: `input[${index}].role` });
      checkMessageContent(item.content, `input[${index}].content`);
      const content = decodeMessageContent(item.content);
      if (role === "system" || role === "developer") builder.addInstruction(role, content);
      else if (role === "assistant") builder.add("assistant", content);
      else builder.add("user", content);
      return;
    }
    case "function_call":
    case "custom_tool_call": {
      const namespace = readString(item.namespace);
      const itemId = readString(item.id);
      const custom = type === "custom_tool_call";
      checkRequired(item.name, "string", `input[${index}].name`, "openai");
      // A call id or arguments of another type were read as absent: the call got a made-up id its
      // output no longer matched, or went to the model without its arguments. Arguments given as
      // an object are taken as their JSON text, as the Chat decoder takes them (H07).
      checkOptional(item.call_id, "string", `input[${index}].call_id`, "openai");
      if (custom) checkOptional(item.input, "string", `input[${index}].input`, "openai");
      else if (!isRecord(item.arguments)) checkOptional(item.arguments, "string", `input[${index}].arguments`, "openai");
      builder.add("assistant", [
        {
          type: "tool_call",
          // H04: outputs link by call_id, never by the fc_ item id.
          id: readString(item.call_id) ?? itemId ?? `call_${index}`,
          name: flattenNamespacedName(namespace, readString(item.name) ?? ""),
          arguments: custom ? (readString(item.input) ?? "") : normalizeArgumentsText(item.arguments),
          kind: custom ? "custom" : "function",
          ...(namespace ? { namespace } : {}),
          ...(itemId ? { itemId } : {}),
        },
      ]);
      return;
    }
    case "local_shell_call": {
      // S12: the legacy local_shell built-in; its action is the argument object.
      const itemId = readString(item.id);
      checkOptional(item.call_id, "string", `input[${index}].call_id`, "openai");
      builder.add("assistant", [
        {
          type: "tool_call",
          id: readString(item.call_id) ?? itemId ?? `call_${index}`,
          name: "local_shell",
          arguments: JSON.stringify(isRecord(item.action) ? item.action : {}),
          kind: "function",
          ...(itemId ? { itemId } : {}),
        },
      ]);
      return;
    }
    case "function_call_output":
    case "custom_tool_call_output":
    case "local_shell_call_output": {
      checkOptional(item.call_id, "string", `input[${index}].call_id`, "openai");
      const callId = readString(item.call_id) ?? readString(item.id) ?? "";
      if (callId === "") throw missingFieldError(`input[${index}].call_id`, "openai");
      builder.add("user", [
        {
          type: "tool_result",
          toolCallId: callId,
          content: decodeToolOutput(item.output),
          kind: type === "custom_tool_call_output" ? "custom" : "function",
        },
      ]);
      return;
    }
    case "reasoning":
      builder.add("assistant", [decodeReasoningItem(item)]);
      return;
    case "compaction": {
      // A compaction this gateway wrote (gateway-compaction.ts) is the summary of what it
      // replaced; OpenAI's own, encrypted, is opaque like any other replayed output item.
      const summary = decodeCompactionBlob(item.encrypted_content);
      if (summary === undefined) builder.add("assistant", [{ type: "opaque", protocol: "openai-responses", value: item }]);
      else builder.add("user", [{ type: "text", text: (compactionSummaryMessage(summary).content as Array<{ text: string }>)[0]!.text }]);
      return;
    }
    case "compaction_trigger":
      // Served before translation (src/proxy/compaction.ts); one left elsewhere in a history asks nothing.
      return;
    case "item_reference":
      // R03: the response store replaces references it holds (responses-store/item-references.ts);
      // one left here is an id the gateway does not hold: fail loudly rather than lose context.
      throw itemReferenceNotFound(readString(item.id) ?? "");
    default:
      // H09: other output items replayed by the client (web_search_call, image_generation_call...)
      // travel as opaque assistant content: a Responses upstream gets them back, others drop them.
      builder.add("assistant", [{ type: "opaque", protocol: "openai-responses", value: item }]);
  }
}

/** Accumulates turns, merging consecutive items of one role (M07, M09). */
class TurnBuilder {
  readonly leadingSystem: TextPart[] = [];
  readonly messages: Message[] = [];

  addInstruction(role: "system" | "developer", content: ContentPart[]): void {
    if (this.messages.length === 0 && content.every((part) => part.type === "text")) {
      this.leadingSystem.push(...(content as TextPart[]));
      return;
    }
    this.messages.push({ role, content });
  }

  add(role: "user" | "assistant", content: ContentPart[]): void {
    const last = this.messages[this.messages.length - 1];
    if (!last || last.role !== role) {
      this.messages.push({ role, content: [...content] });
      return;
    }
    for (const part of content) {
      if (part.type === "tool_result") {
        // M08: tool results lead the user turn, in their original order.
        const firstOther = last.content.findIndex((existing) => existing.type !== "tool_result");
        if (firstOther === -1) last.content.push(part);
        else last.content.splice(firstOther, 0, part);
      } else {
        last.content.push(part);
      }
    }
  }
}
