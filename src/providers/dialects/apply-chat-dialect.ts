import type { ReasoningConfig } from "../../canonical/types";
import { type ChatDialect, renameDialectFields } from "../chat-dialect";
import { type BodyPatch, withPatch } from "./body-patch";
import { deepSeekThinkingPatch } from "./deepseek-thinking";
import { developerRolePatch } from "./developer-role";
import { geminiRequestPatch } from "./gemini-request";
import { xaiRequestPatch } from "./xai-request";

/** What a dialect needs to know of the request beyond its body. */
export interface DialectRequestIntent {
  /** The model the upstream is asked for (its fields and levels differ per model). */
  model: string;
  /** The client turned reasoning off (reasoningTurnedOff); a native body says so itself. */
  reasoningOff: boolean;
}

/**
 * A Chat request body as the provider's server takes it: the fields it refuses left out, those
 * it names otherwise renamed, and the per-model rules of its dialect (dialects/*.ts). Returns
 * `body` itself when nothing changes, else a shallow copy (a native client's body stays intact).
 */
export function applyChatDialect(body: Record<string, unknown>, dialect: ChatDialect, intent: DialectRequestIntent): Record<string, unknown> {
  const patch: BodyPatch = { ...dialectPatch(body, dialect, intent), ...(dialect.name === "openai" ? {} : developerRolePatch(body)) };
  for (const field of dialect.omitFields) if (field in body) patch[field] = undefined;
  let renames = false;
  for (const field in dialect.renameFields) if (field in body && !(field in patch)) renames = true;
  const out = withPatch(body, patch);
  if (!renames) return out;
  const renamed = out === body ? { ...body } : out;
  renameDialectFields(renamed, dialect);
  return renamed;
}

function dialectPatch(body: Readonly<Record<string, unknown>>, dialect: ChatDialect, intent: DialectRequestIntent): BodyPatch {
  switch (dialect.name) {
    case "deepseek":
      return deepSeekThinkingPatch(body, intent.reasoningOff);
    case "gemini":
      return geminiRequestPatch(body, intent.model);
    case "xai":
      return xaiRequestPatch(body, intent.model);
    default:
      return {};
  }
}

/**
 * Whether a translated request asks for no reasoning: reasoning turned off in so many words, or
 * an Anthropic request without `thinking` (Anthropic's models think only when asked; Chat and
 * Responses clients that name no effort get the model's default, as OpenAI's reasoning models do).
 */
export function reasoningTurnedOff(reasoning: ReasoningConfig | undefined, clientProtocol: string): boolean {
  if (reasoning) return !reasoning.enabled;
  return clientProtocol === "anthropic";
}
