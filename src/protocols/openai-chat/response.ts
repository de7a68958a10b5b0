import { generateId } from "../../canonical/ids";
import { wrapReasoningDetails } from "../../canonical/reasoning-details-blob";
import { reportedOpenAITier } from "../../canonical/service-tier";
import type { CanonicalResponse, ContentPart, ReasoningPart, StopReason } from "../../canonical/types";
import { emptyUsage, mergeUsage } from "../../canonical/usage";
import { normalizeArgumentsText } from "../../translate/tool-arguments";
import { encodeChatAnnotations } from "../../translate/url-citations";
import type { TranslationContext } from "../../translate/types";
import { decodeChatUsage, decodeFinishReason, encodeChatUsage, encodeFinishReason, interruptedFinishMessage, pickStrongerStopReason } from "./usage";
import { GatewayError } from "../../errors/gateway-error";
import type { ChatUsage } from "./wire-types";
import { asRecord } from "../wire-values";
import { splitAssistantContent } from "./assistant-parts";
import { readContentChunks } from "./content-chunks";
import { readThoughtSignature, rememberThoughtSignature } from "./gemini-signatures";
import { encodeLegacyFinishReason, pickLegacyCall, usesLegacyFunctions } from "./legacy-functions";
import { decodeChatLogprobs, encodeChatLogprobs } from "./logprobs";
import { encodeReasoningDetails, withoutReadableReasoning } from "./reasoning-details";

/**
 * Chat completion → canonical. Every choice is merged into one message (N07: Copilot puts text
 * in choices[0] and tool calls in choices[1]): reasoning first, then text, then tool calls.
 */
export function decodeChatResponse(body: unknown, ctx?: TranslationContext): CanonicalResponse {
  const reply = asRecord(body) ?? {};
  const choices = Array.isArray(reply.choices) ? reply.choices.map(asRecord).filter((c): c is Record<string, unknown> => !!c) : [];
  const reasoning: ContentPart[] = [];
  const texts: ContentPart[] = [];
  const calls: ContentPart[] = [];
  const usedIds = new Set<string>();
  let stopReason: StopReason | undefined;
  for (const choice of choices) {
    const message = asRecord(choice.message) ?? {};
    // K04: DeepSeek/vLLM `reasoning_content`, OpenRouter `reasoning`.
    const thought = typeof message.reasoning_content === "string" ? message.reasoning_content : message.reasoning;
    const details = Array.isArray(message.reasoning_details) && message.reasoning_details.length > 0 ? wrapReasoningDetails(message.reasoning_details.map(asRecord).filter((d): d is Record<string, unknown> => !!d)) : undefined;
    // OpenRouter's structured entries ride with the text, as the stream decoder sends them.
    if ((typeof thought === "string" && thought !== "") || details) {
      reasoning.push({ type: "reasoning", ...(typeof thought === "string" && thought !== "" ? { text: thought } : {}), ...(details ? { encryptedContent: details } : {}) });
    }
    const content = message.content;
    const firstText = texts.length;
    if (typeof content === "string" && content !== "") texts.push({ type: "text", text: content });
    for (const piece of readContentChunks(content)) {
      if (piece.kind === "reasoning") reasoning.push({ type: "reasoning", text: piece.text });
      else texts.push({ type: "text", text: piece.text });
    }
    // P09: the tokens of the choice's content, asked for by the client (`logprobs: true`).
    const tokens = choice.logprobs ? decodeChatLogprobs(choice.logprobs) : undefined;
    const text = texts[firstText];
    if (tokens && text?.type === "text") text.logprobs = tokens;
    // N09: a refusal becomes answer text so the client does not see an empty reply.
    if (typeof message.refusal === "string" && message.refusal !== "") texts.push({ type: "refusal", text: message.refusal });
    for (const raw of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
      const call = asRecord(raw) ?? {};
      const fn = asRecord(call.function);
      const custom = asRecord(call.custom);
      const id = uniqueToolId(call.id, usedIds);
      const signature = readThoughtSignature(call);
      if (signature) rememberThoughtSignature(ctx, id, signature);
      calls.push({
        type: "tool_call",
        id,
        name: String(custom?.name ?? fn?.name ?? ""),
        arguments: custom ? String(custom.input ?? "") : normalizeArgumentsText(fn?.arguments),
        kind: custom ? "custom" : "function",
      });
    }
    const interrupted = interruptedFinishMessage(choice.finish_reason as string | null | undefined);
    if (interrupted) throw new GatewayError("upstream_overloaded", 503, interrupted);
    stopReason = pickStrongerStopReason(stopReason, decodeFinishReason(choice.finish_reason as string | null | undefined));
  }
  // N02: tool calls present → tool_use, whatever finish_reason said (Gemini, Copilot send "stop").
  // N09: a refusal part ends the turn as the upstream says, as in a stream (stream-decoder.ts).
  if (calls.length > 0 && stopReason !== "max_tokens") stopReason = "tool_use";
  return {
    id: typeof reply.id === "string" ? reply.id : generateId("chatcmpl-"),
    model: typeof reply.model === "string" ? reply.model : "",
    content: [...reasoning, ...texts, ...calls],
    stopReason: stopReason ?? "end_turn",
    usage: mergeUsage(emptyUsage(), decodeChatUsage(asRecord(reply.usage) as ChatUsage | undefined)),
    ...(typeof reply.created === "number" ? { created: reply.created } : {}),
    ...(typeof reply.service_tier === "string" ? { serviceTier: reply.service_tier } : {}),
  };
}

/** H02: empty or repeated upstream ids are replaced by fresh ones. */
export function uniqueToolId(raw: unknown, used: Set<string>): string {
  let id = typeof raw === "string" ? raw : "";
  if (id === "" || used.has(id)) id = generateId("call_");
  used.add(id);
  return id;
}

/**
 * Canonical → Chat completion for the client (N01, N03, N06, N08, N09, SC04); a client that
 * declared legacy `functions` gets its call as `function_call` (legacy-functions.ts).
 */
export function encodeChatResponse(response: CanonicalResponse, ctx: TranslationContext): Record<string, unknown> {
  const legacy = usesLegacyFunctions(ctx.clientBody);
  const { texts, reasoning, toolCalls } = splitAssistantContent(response.content, (part) =>
    part.kind === "custom"
      ? { id: part.id, type: "custom", custom: { name: part.name, input: part.arguments } }
      : { id: part.id, type: "function", function: { name: part.name, arguments: part.arguments === "" ? "{}" : part.arguments } },
  );
  const message: Record<string, unknown> = {
    role: "assistant",
    // N08: empty replies give "" (null when the reply is only tool calls).
    content: texts.length > 0 ? texts.join("") : toolCalls.length > 0 ? null : "",
    refusal: null,
  };
  // K10: the reasoning is shown only where the operator lets it be (gateway.expose_reasoning).
  const expose = ctx.exposeReasoning !== false;
  if (expose && reasoning.length > 0) message.reasoning_content = reasoning.join("");
  // Signed or encrypted reasoning, for clients that replay the message as they got it.
  const allDetails = encodeReasoningDetails(response.content.filter((part): part is ReasoningPart => part.type === "reasoning"));
  const details = expose ? allDetails : withoutReadableReasoning(allDetails);
  if (details.length > 0) message.reasoning_details = details;
  // C06: web citations (Claude's web search) as url_citation annotations into `content`.
  const annotations = encodeChatAnnotations(response.content);
  if (annotations.length > 0) message.annotations = annotations;
  if (legacy) {
    // Legacy clients declare functions only, so their calls are function calls.
    const call = pickLegacyCall(toolCalls, ctx);
    if (call && "function" in call) message.function_call = call.function;
  } else if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const finishReason = encodeFinishReason(response.stopReason);
  const tier = reportedOpenAITier(response.serviceTier);
  const tokens = response.content.flatMap((part) => (part.type === "text" && part.logprobs ? part.logprobs : []));
  const logprobs = response.content.some((part) => part.type === "text" && part.logprobs) ? encodeChatLogprobs(tokens) : null;
  return {
    id: response.id.startsWith("chatcmpl-") ? response.id : generateId("chatcmpl-"),
    object: "chat.completion",
    created: response.created ?? Math.floor(Date.now() / 1000),
    model: ctx.clientModel,
    choices: [{ index: 0, message, finish_reason: legacy ? encodeLegacyFinishReason(finishReason) : finishReason, logprobs }],
    usage: encodeChatUsage(response.usage),
    // The tier the upstream says served the answer, as OpenAI reports it; none when it did not say.
    ...(tier ? { service_tier: tier } : {}),
  };
}
