/**
 * What an OpenAI-compatible server takes and gives beyond the Chat Completions core: its
 * "dialect". Servers that call themselves compatible refuse different optional fields, want the
 * model's reasoning back under different names (or not at all), and name the output cap
 * differently; a request OpenAI accepts fails the whole agent turn elsewhere. One table, keyed by
 * the provider's declared `dialect` or else its well-known base URL (config/README.md,
 * "Providers"), instead of checks scattered through the encoders.
 *
 * Behaviour bound to a model rather than to the server that hosts it stays with the model's name:
 * Gemini's thought signatures (gemini-signatures.ts) and Mistral's tool call ids and role order
 * (mistral-ids.ts), which Mistral's own tokenizer checks wherever the model runs (vLLM, NIM).
 */

export const chatDialectNames = ["openai", "deepseek", "groq", "mistral", "openrouter", "gemini", "xai", "generic"] as const;
export type ChatDialectName = (typeof chatDialectNames)[number];

/** Where replayed reasoning goes on an assistant message sent upstream. */
export const reasoningFields = ["reasoning_content", "reasoning", "reasoning_details", "none"] as const;
export type ReasoningField = (typeof reasoningFields)[number];

export const maxTokensFields = ["max_tokens", "max_completion_tokens"] as const;
export type MaxTokensField = (typeof maxTokensFields)[number];

export interface ChatDialect {
  name: ChatDialectName;
  /**
   * The output cap's field; undefined: `max_completion_tokens` for OpenAI reasoning model names
   * (P03), `max_tokens` otherwise, which every compatible server knows.
   */
  maxTokensField?: MaxTokensField;
  /**
   * K07: the field that carries the model's own reasoning back on replayed tool-call turns:
   * `reasoning_content` (DeepSeek, vLLM, Kimi-style servers), `reasoning` (Ollama's and some
   * vLLM builds' name), `reasoning_details` (OpenRouter's structured entries as it sent them,
   * signatures included: reasoning-details-blob.ts), or `none` for servers that neither need it
   * nor accept it (OpenAI).
   */
  reasoningField: ReasoningField;
  /**
   * DeepSeek thinking mode: an assistant turn with tool calls must carry `reasoning_content` on
   * every later request, also when that turn had no reasoning (the model sometimes calls a tool
   * without thinking; a history from another model has none), or the request is a 400 "The
   * reasoning_content in the thinking mode must be passed back to the API". DeepSeek ignores it on
   * other turns, so every replayed assistant turn gets it, empty when unknown.
   */
  reasoningOnEveryTurn: boolean;
  /** Top-level request fields the server refuses: never sent, translated or native. */
  omitFields: readonly string[];
  /** Top-level request fields the server knows under another name (Mistral's `random_seed`), translated or native. */
  renameFields: Readonly<Record<string, string>>;
}

const NO_RENAMES: Readonly<Record<string, string>> = Object.freeze({});

const DIALECTS: Record<ChatDialectName, ChatDialect> = {
  openai: { name: "openai", maxTokensField: "max_completion_tokens", reasoningField: "none", reasoningOnEveryTurn: false, omitFields: [], renameFields: NO_RENAMES },
  deepseek: { name: "deepseek", reasoningField: "reasoning_content", reasoningOnEveryTurn: true, omitFields: [], renameFields: NO_RENAMES },
  // Groq returns reasoning (`reasoning`, gpt-oss and Qwen) but refuses it back on a message
  // ("'reasoning_content' is unsupported"): the models reason afresh each turn.
  groq: { name: "groq", reasoningField: "none", reasoningOnEveryTurn: false, omitFields: [], renameFields: NO_RENAMES },
  // Mistral validates with pydantic's extra="forbid" (422 extra_forbidden), in messages too: no
  // reasoning_content, no stream_options (usage comes in the last chunk unasked), no `user`,
  // no service_tier, no prompt_cache_key (OpenAI's cache routing), and its seed is `random_seed`
  // (a client's seed goes under that name).
  mistral: { name: "mistral", reasoningField: "none", reasoningOnEveryTurn: false, omitFields: ["stream_options", "user", "service_tier", "prompt_cache_key"], renameFields: Object.freeze({ seed: "random_seed" }) },
  // OpenRouter hands back the routed model's reasoning as `reasoning_details` and needs them on the
  // replayed turn: Gemini 3's thought signatures and Claude's signed thinking travel there.
  openrouter: { name: "openrouter", reasoningField: "reasoning_details", reasoningOnEveryTurn: false, omitFields: [], renameFields: NO_RENAMES },
  // Gemini's OpenAI-compatible endpoint refuses unknown fields ("Invalid JSON payload received.
  // Unknown name \"seed\": Cannot find field."): `seed` and `frequency_penalty` (reported with that
  // 400 by ChatterUI #227 and RSSBox #132), `store` (the same 400), and OpenAI's own
  // `prompt_cache_key` is not in its schema either. Its own reasoning never goes
  // back in a message; thought signatures do (gemini-signatures.ts), and its `reasoning_effort`
  // levels are fewer than OpenAI's (dialects/gemini-request.ts). Fields not documented either way
  // (`user`, `service_tier`) are learned from its 400 (refused-fields.ts).
  gemini: { name: "gemini", maxTokensField: "max_tokens", reasoningField: "none", reasoningOnEveryTurn: false, omitFields: ["seed", "frequency_penalty", "store", "prompt_cache_key"], renameFields: NO_RENAMES },
  // xAI: only grok-3-mini returns reasoning (`reasoning_content`), and nothing documents it taken
  // back; which models take `reasoning_effort` and the penalties is per model (dialects/xai-request.ts).
  xai: { name: "xai", reasoningField: "none", reasoningOnEveryTurn: false, omitFields: [], renameFields: NO_RENAMES },
  // Anything else (vLLM, Ollama, LM Studio, llama.cpp…): the core fields, reasoning back as
  // `reasoning_content`, which such servers read or ignore.
  generic: { name: "generic", reasoningField: "reasoning_content", reasoningOnEveryTurn: false, omitFields: [], renameFields: NO_RENAMES },
};

/** Providers' documented API hosts, for a provider that names no `dialect`. */
const WELL_KNOWN_HOSTS: ReadonlyArray<[host: string, dialect: ChatDialectName]> = [
  ["api.openai.com", "openai"],
  ["api.deepseek.com", "deepseek"],
  ["api.groq.com", "groq"],
  ["api.mistral.ai", "mistral"],
  ["openrouter.ai", "openrouter"],
  ["generativelanguage.googleapis.com", "gemini"],
  ["api.x.ai", "xai"],
];

/** What a provider entry says about its dialect (`[providers.<name>]` keys). */
export interface ChatDialectOptions {
  kind: string;
  baseUrl: string;
  dialect?: ChatDialectName;
  maxTokensField?: MaxTokensField;
  reasoningField?: ReasoningField;
  omitFields?: string[];
}

/** The provider's dialect: its declared one, else its host's, else generic; its own keys over it. */
export function resolveChatDialect(options: ChatDialectOptions): ChatDialect {
  const base = DIALECTS[options.dialect ?? dialectOfUrl(options.kind, options.baseUrl)];
  return Object.freeze({
    ...base,
    ...(options.maxTokensField ? { maxTokensField: options.maxTokensField } : {}),
    ...(options.reasoningField ? { reasoningField: options.reasoningField } : {}),
    omitFields: Object.freeze([...base.omitFields, ...(options.omitFields ?? [])]),
  });
}

/**
 * The dialect a translation writes for: the provider's, or for a context built without one
 * (unit tests, loopback) OpenAI's when the provider is `openai` and generic otherwise.
 */
export function chatDialectOf(ctx: { chatDialect?: ChatDialect; providerName: string; providerKind?: string }): ChatDialect {
  if (ctx.chatDialect) return ctx.chatDialect;
  return (ctx.providerKind ?? (ctx.providerName === "openai" ? "openai" : undefined)) === "openai" ? DIALECTS.openai : DIALECTS.generic;
}

function dialectOfUrl(kind: string, baseUrl: string): ChatDialectName {
  if (kind === "openai") return "openai";
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return "generic";
  }
  const known = WELL_KNOWN_HOSTS.find(([name]) => host === name || host.endsWith(`.${name}`));
  return known?.[1] ?? "generic";
}

/** A Chat body's fields renamed to the server's names, in place (chat-dialect `renameFields`). */
export function renameDialectFields(body: Record<string, unknown>, dialect: ChatDialect): void {
  for (const from in dialect.renameFields) {
    if (!(from in body)) continue;
    const to = dialect.renameFields[from]!;
    if (!(to in body)) body[to] = body[from];
    delete body[from];
  }
}
