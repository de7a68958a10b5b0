import { parseMediaUrl } from "../media-url";
import type {
  CanonicalRequest,
  ContentPart,
  DocumentPart,
  ImagePart,
  Message,
  ReasoningConfig,
  ResponseFormat,
  TextPart,
  Tool,
  ToolChoice,
} from "../../canonical/types";
import { normalizeArgumentsText } from "../../translate/tool-arguments";
import { asRecord, readCacheHint, readNumber as numberField, invalidRequest as invalid } from "../wire-values";
import { assignLegacyCallIds, decodeLegacyFunctionCall, decodeLegacyFunctions, usesLegacyFunctions } from "./legacy-functions";
import { decodeReasoningDetails } from "./reasoning-details";
import { checkChatRequest } from "./request-checks";
import { decodeChatWebSearchOptions } from "../web-search-location";

/**
 * Chat Completions request body → canonical request. Validates the envelope and the types of
 * the fields it reads (request-checks.ts) and keeps fields it does not understand in `extra`
 * (house rule 2). Rejects what cannot be served
 * honestly: audio input (C07) and n > 1 (P08).
 */

const KNOWN_FIELDS = new Set([
  "model", "messages", "tools", "tool_choice", "parallel_tool_calls", "max_tokens", "max_completion_tokens",
  "temperature", "top_p", "stop", "stream", "reasoning_effort", "response_format", "user", "safety_identifier",
  "seed", "presence_penalty", "frequency_penalty", "service_tier", "n", "top_k", "functions", "function_call",
  "prompt_cache_key", "verbosity",
]);

export function decodeChatRequest(body: Record<string, unknown>): CanonicalRequest {
  if (typeof body.model !== "string" || body.model === "") throw invalid("you must provide a model parameter", "model");
  if (typeof body.n === "number" && body.n > 1) throw invalid("n > 1 is not supported for this model", "n");
  if (Array.isArray(body.modalities) && body.modalities.includes("audio")) throw invalid("audio output is not supported for this model", "modalities");
  checkChatRequest(body);

  const extraFields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!KNOWN_FIELDS.has(key)) extraFields[key] = value;

  // M03: only the leading system/developer messages are the system prompt; later ones stay in place.
  const system: TextPart[] = [];
  const messages: Message[] = [];
  const legacyIds = assignLegacyCallIds(body.messages);
  body.messages.forEach((raw, i) => {
    const message = decodeMessage(asRecord(raw), i, legacyIds.get(i));
    if (messages.length === 0 && (message.role === "system" || message.role === "developer")) {
      for (const part of message.content) if (part.type === "text" && part.text !== "") system.push(part);
    } else messages.push(message);
  });

  // Legacy `functions` are function tools and `function_call` their choice (legacy-functions.ts).
  let tools = [...(Array.isArray(body.tools) ? body.tools.flatMap(decodeTool) : []), ...decodeLegacyFunctions(body.functions)];
  let toolChoice = decodeToolChoice(body.tool_choice) ?? decodeLegacyFunctionCall(body.function_call);
  const allowed = asRecord(asRecord(body.tool_choice)?.allowed_tools);
  if (asRecord(body.tool_choice)?.type === "allowed_tools" && allowed) {
    // TC01: allowed_tools filters the tool list; mode auto → auto, required → required.
    const names = new Set((Array.isArray(allowed.tools) ? allowed.tools : []).map((t) => toolChoiceName(asRecord(t))));
    tools = tools.filter((t) => t.kind === "builtin" || names.has(t.name));
    toolChoice = allowed.mode === "required" ? { type: "required" } : { type: "auto" };
  }
  // S09: read for the Anthropic and Responses encoders; the field itself stays in `extra` for Chat upstreams.
  const webSearch = decodeChatWebSearchOptions(body.web_search_options);
  const user = typeof body.safety_identifier === "string" ? body.safety_identifier : typeof body.user === "string" ? body.user : undefined;
  return {
    model: body.model,
    system,
    messages,
    tools,
    toolChoice,
    // A legacy answer holds one function_call, so the upstream is asked for one call at a time.
    parallelToolCalls: usesLegacyFunctions(body) ? false : typeof body.parallel_tool_calls === "boolean" ? body.parallel_tool_calls : undefined,
    // P03: prefer max_completion_tokens when both are present.
    maxTokens: numberField(body.max_completion_tokens) ?? numberField(body.max_tokens),
    temperature: numberField(body.temperature),
    topP: numberField(body.top_p),
    topK: numberField(body.top_k),
    // P07: a string is a one-element list.
    stop: typeof body.stop === "string" ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((s): s is string => typeof s === "string") : undefined,
    ...(body.logprobs === true ? { logprobs: decodeLogprobsRequest(body.top_logprobs) } : {}),
    stream: body.stream === true,
    reasoning: decodeChatReasoning(body),
    responseFormat: decodeResponseFormat(asRecord(body.response_format)),
    user,
    seed: numberField(body.seed),
    presencePenalty: numberField(body.presence_penalty),
    frequencyPenalty: numberField(body.frequency_penalty),
    serviceTier: typeof body.service_tier === "string" ? body.service_tier : undefined,
    promptCacheKey: typeof body.prompt_cache_key === "string" ? body.prompt_cache_key : undefined,
    verbosity: typeof body.verbosity === "string" ? body.verbosity : undefined,
    ...(webSearch ? { webSearch } : {}),
    extra: { protocol: "openai-chat", fields: extraFields },
  };
}

/** Chat `top_logprobs` (0–20 alternatives per token), meaningful only with `logprobs: true`. */
function decodeLogprobsRequest(topLogprobs: unknown): { topLogprobs?: number } {
  const top = numberField(topLogprobs);
  return top === undefined ? {} : { topLogprobs: top };
}

/** `legacyId`: the id assigned to the message's legacy function_call or function result. */
function decodeMessage(message: Record<string, unknown> | undefined, index: number, legacyId: string | undefined): Message {
  const role = message?.role;
  const where = `messages.[${index}]`;
  switch (role) {
    case "system":
    case "developer":
    case "user": {
      const content = decodeContent(message!.content, where);
      return { role, content, ...(typeof message!.name === "string" ? { name: message!.name } : {}) };
    }
    case "assistant":
      return { role, content: decodeAssistant(message!, where, legacyId), ...(typeof message!.name === "string" ? { name: message!.name } : {}) };
    case "tool": {
      // Tool results travel in user turns in the hub (as in Anthropic); the Anthropic encoder merges them (M09).
      const content = decodeContent(message!.content, where).filter((p): p is TextPart | ImagePart | DocumentPart => p.type === "text" || p.type === "image" || p.type === "document");
      return { role: "user", content: [{ type: "tool_result", toolCallId: String(message!.tool_call_id ?? ""), content }] };
    }
    case "function": {
      // A legacy function result: a tool result for the call it follows (assignLegacyCallIds).
      const content = decodeContent(message!.content, where).filter((p): p is TextPart => p.type === "text");
      return { role: "user", content: [{ type: "tool_result", toolCallId: legacyId ?? "", content }] };
    }
    default:
      throw invalid(`${where}.role: unsupported role ${JSON.stringify(role)}`, `${where}.role`);
  }
}

function decodeAssistant(message: Record<string, unknown>, where: string, legacyId: string | undefined): ContentPart[] {
  const parts: ContentPart[] = [];
  // Signed or encrypted reasoning handed back (reasoning-details.ts); else K07: DeepSeek-style
  // reasoning_content, unsigned.
  const replayable = decodeReasoningDetails(message);
  if (replayable) parts.push(...replayable);
  else if (typeof message.reasoning_content === "string" && message.reasoning_content !== "") parts.push({ type: "reasoning", text: message.reasoning_content });
  parts.push(...decodeContent(message.content, where));
  // C08: a refusal in history stays as context.
  if (typeof message.refusal === "string" && message.refusal !== "") parts.push({ type: "refusal", text: message.refusal });
  if (Array.isArray(message.tool_calls)) {
    for (const raw of message.tool_calls) {
      const call = asRecord(raw) ?? {};
      const custom = asRecord(call.custom);
      const fn = asRecord(call.function);
      parts.push(
        custom
          ? { type: "tool_call", id: String(call.id ?? ""), name: String(custom.name ?? ""), arguments: String(custom.input ?? ""), kind: "custom" }
          : { type: "tool_call", id: String(call.id ?? ""), name: String(fn?.name ?? ""), arguments: normalizeArgumentsText(fn?.arguments), kind: "function" },
      );
    }
  }
  const legacyCall = asRecord(message.function_call);
  if (legacyCall) parts.push({ type: "tool_call", id: legacyId ?? "", name: String(legacyCall.name ?? ""), arguments: normalizeArgumentsText(legacyCall.arguments), kind: "function" });
  return parts;
}

function decodeContent(content: unknown, where: string): ContentPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw invalid(`${where}.content: expected a string or an array of parts`, `${where}.content`);
  return content.flatMap((raw): ContentPart[] => {
    const part = asRecord(raw) ?? {};
    // A client's own cache breakpoint (OpenRouter's and LiteLLM's convention for Claude) is kept.
    const cache = readCacheHint(part);
    const withCache = <T extends TextPart | ImagePart | DocumentPart>(decoded: T): T => (cache ? { ...decoded, cache } : decoded);
    switch (part.type) {
      case "text":
        return typeof part.text === "string" && part.text !== "" ? [withCache({ type: "text" as const, text: part.text })] : [];
      case "refusal":
        return typeof part.refusal === "string" ? [{ type: "refusal" as const, text: part.refusal }] : [];
      case "image_url":
        return [withCache(decodeImage(part))];
      case "file":
        return [withCache(decodeFile(asRecord(part.file) ?? {}))];
      case "input_audio":
        // C07: never drop audio silently; the model would answer a question it never heard.
        throw invalid("audio input is not supported for this model", `${where}.content`);
      default:
        throw invalid(`${where}.content: unsupported part type ${JSON.stringify(part.type)}`, `${where}.content`);
    }
  });
}

function decodeImage(part: Record<string, unknown>): ImagePart {
  const image = asRecord(part.image_url);
  const url = typeof part.image_url === "string" ? part.image_url : String(image?.url ?? "");
  const detail = typeof image?.detail === "string" ? image.detail : undefined;
  return { type: "image", source: parseMediaUrl(url), ...(detail ? { detail } : {}) };
}

function decodeFile(file: Record<string, unknown>): DocumentPart {
  const filename = typeof file.filename === "string" ? file.filename : undefined;
  if (typeof file.file_id === "string") return { type: "document", source: { kind: "file", fileId: file.file_id }, ...(filename ? { filename } : {}) };
  const fileData = String(file.file_data ?? "");
  const source = fileData.startsWith("data:") ? parseMediaUrl(fileData) : undefined;
  if (source?.kind !== "base64") throw invalid("file.file_data must be a base64 data URL", "messages");
  return { type: "document", source, ...(filename ? { filename } : {}) };
}

function decodeTool(raw: unknown): Tool[] {
  const tool = asRecord(raw) ?? {};
  if (tool.type === "function") {
    const fn = asRecord(tool.function) ?? {};
    return [{
      kind: "function",
      name: String(fn.name ?? ""),
      ...(typeof fn.description === "string" ? { description: fn.description } : {}),
      parameters: asRecord(fn.parameters) ?? { type: "object", properties: {} },
      ...(typeof fn.strict === "boolean" ? { strict: fn.strict } : {}),
      ...(readCacheHint(tool) ? { cache: readCacheHint(tool) } : {}),
    }];
  }
  if (tool.type === "custom") {
    const custom = asRecord(tool.custom) ?? {};
    return [{ kind: "custom", name: String(custom.name ?? ""), ...(typeof custom.description === "string" ? { description: custom.description } : {}), ...(asRecord(custom.format) ? { format: asRecord(custom.format) } : {}) }];
  }
  return [{ kind: "builtin", protocol: "openai-chat", type: String(tool.type ?? ""), value: tool }];
}

/** TC01 table, Chat column. */
function decodeToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === "auto") return { type: "auto" };
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "required" };
  const record = asRecord(choice);
  if (record?.type === "function" || record?.type === "custom") return { type: "tool", name: toolChoiceName(record) };
  return undefined;
}

function toolChoiceName(record: Record<string, unknown> | undefined): string {
  const nested = asRecord(record?.function) ?? asRecord(record?.custom);
  return String(nested?.name ?? record?.name ?? "");
}

/** J01: the nested Chat form `{type:"json_schema", json_schema:{name, schema, strict, description}}`. */
function decodeResponseFormat(format: Record<string, unknown> | undefined): ResponseFormat | undefined {
  if (!format) return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  if (format.type === "text") return { type: "text" };
  const spec = asRecord(format.json_schema);
  if (format.type === "json_schema" && spec) {
    return {
      type: "json_schema",
      schema: asRecord(spec.schema) ?? {},
      ...(typeof spec.name === "string" ? { name: spec.name } : {}),
      ...(typeof spec.strict === "boolean" ? { strict: spec.strict } : {}),
      ...(typeof spec.description === "string" ? { description: spec.description } : {}),
    };
  }
  return undefined;
}

/** `reasoning_effort`; `none` means reasoning off (K01). Also read alone, for budget reservations (codec.ts `decodeReasoning`). */
export function decodeChatReasoning(body: Record<string, unknown>): ReasoningConfig | undefined {
  const effort = typeof body.reasoning_effort === "string" ? body.reasoning_effort : undefined;
  return effort ? { enabled: effort !== "none", effort } : undefined;
}
