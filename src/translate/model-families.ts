import type { ModelCapabilities } from "./model-capabilities";

/**
 * What each model family can take, by name: the built-in half of the capability table (the
 * operator's `[models."…"]` entries are the other half, model-capabilities.ts). Translated
 * requests are fitted to it, so a Codex or SDK request does not meet an upstream 400 the gateway
 * could have avoided (reasoning on a Claude without thinking, a cap above the model's output).
 *
 * Figures come from the providers' own model pages, as of September 2026:
 * - Anthropic: platform.claude.com/docs/en/models/<model>/overview ("Max output", "Thinking")
 *   and the models overview's extended/adaptive thinking rows; the Claude 3.x figures are from
 *   the legacy-models table of the same overview, before those models were retired.
 * - OpenAI: the "Max output tokens" of each model page on platform.openai.com/docs/models.
 * - Google: "Output token limit" on ai.google.dev/gemini-api/docs/models.
 * Context windows (`contextWindow`, read by `truncation: "auto"` only) from the same pages.
 * Where a figure is a best-known value rather than one read on such a page, the row says so.
 * A wrong figure must never be lower than the model's real one (a clamp below it would cut
 * answers the model could give); a name no row matches is left alone (no clamp, sent as asked).
 */

/**
 * Claude's context window up to 4.6 (the models overview's "Context window" row): 200k, the 1M
 * window of Sonnet 4 to 4.6 needing a beta header translation never sends. Later releases get no
 * figure: this build does not know it, and a figure below the real one would trim for nothing
 * (an operator's `[models."…"] context_window` states it).
 */
const CLAUDE_WINDOW = 200_000;

/** Claude by tier and version ("sonnet-4.5"; minor 0 is left out, so `claude-opus-4-0` is "opus-4"). */
const CLAUDE: Record<string, ModelCapabilities> = {
  // Claude 3: no extended thinking; 4,096 output tokens.
  "haiku-3": { thinking: "none", maxOutputTokens: 4_096, contextWindow: CLAUDE_WINDOW },
  "sonnet-3": { thinking: "none", maxOutputTokens: 4_096, contextWindow: CLAUDE_WINDOW },
  "opus-3": { thinking: "none", maxOutputTokens: 4_096, contextWindow: CLAUDE_WINDOW },
  // Claude 3.5: no extended thinking; 8,192 (3.5 Sonnet's first snapshot had 4,096 before the
  // 8k header became its default, so 8,192 is the higher, safe figure).
  "haiku-3.5": { thinking: "none", maxOutputTokens: 8_192, contextWindow: CLAUDE_WINDOW },
  "sonnet-3.5": { thinking: "none", maxOutputTokens: 8_192, contextWindow: CLAUDE_WINDOW },
  // Extended thinking from 3.7 Sonnet on (64k; 128k only with a beta header translation never sends).
  "sonnet-3.7": { thinking: "budget-only", maxOutputTokens: 64_000, contextWindow: CLAUDE_WINDOW },
  "sonnet-4": { thinking: "budget-only", maxOutputTokens: 64_000, contextWindow: CLAUDE_WINDOW },
  "opus-4": { thinking: "budget-only", maxOutputTokens: 32_000, contextWindow: CLAUDE_WINDOW },
  "opus-4.1": { thinking: "budget-only", maxOutputTokens: 32_000, contextWindow: CLAUDE_WINDOW },
  "sonnet-4.5": { thinking: "budget-only", maxOutputTokens: 64_000, contextWindow: CLAUDE_WINDOW },
  "haiku-4.5": { thinking: "budget-only", maxOutputTokens: 64_000, contextWindow: CLAUDE_WINDOW },
  "opus-4.5": { thinking: "budget-only", maxOutputTokens: 64_000, contextWindow: CLAUDE_WINDOW },
  // 4.6 adds adaptive thinking; budget_tokens still works there (deprecated). From 4.6 on a
  // conversation may not end with an assistant turn ("This model does not support assistant
  // message prefill": Anthropic's "What's new in Claude 4.6", breaking changes).
  "opus-4.6": { thinking: "budget-or-adaptive", maxOutputTokens: 128_000, contextWindow: CLAUDE_WINDOW, assistantPrefill: false },
  "sonnet-4.6": { thinking: "budget-or-adaptive", maxOutputTokens: 128_000, contextWindow: CLAUDE_WINDOW, assistantPrefill: false },
  // From Opus 4.7: adaptive thinking only (budget_tokens is a 400), and temperature, top_p and
  // top_k are refused ("`temperature` is deprecated for this model"): read in Anthropic's
  // migration notes for Opus 4.7 and Sonnet 5; for Opus 4.8 and Opus 5 a best-known value
  // (SDK maintainers report the same 400s), and a safe one (see CLAUDE_5_GENERATION).
  "opus-4.7": { thinking: "adaptive-only", maxOutputTokens: 128_000, defaultSamplingOnly: true, assistantPrefill: false },
  "opus-4.8": { thinking: "adaptive-only", maxOutputTokens: 128_000, defaultSamplingOnly: true, assistantPrefill: false },
  "opus-5": { thinking: "adaptive-only", maxOutputTokens: 128_000, defaultSamplingOnly: true, assistantPrefill: false },
  "sonnet-5": { thinking: "adaptive-only", maxOutputTokens: 128_000, defaultSamplingOnly: true, assistantPrefill: false },
  // Opus 5.5, Sonnet 5.5 and Fable 5.1 also refuse a forced tool_choice ("any" or a named
  // tool): "What's new in Claude Opus 5.5" (which names Fable 5.1 too) and the Sonnet 5.5 page.
  "opus-5.5": { thinking: "adaptive-only", maxOutputTokens: 128_000, defaultSamplingOnly: true, forcedToolChoice: false, assistantPrefill: false },
  "sonnet-5.5": { thinking: "adaptive-only", maxOutputTokens: 128_000, defaultSamplingOnly: true, forcedToolChoice: false, assistantPrefill: false },
  "fable-5.1": { thinking: "adaptive-only", maxOutputTokens: 128_000, defaultSamplingOnly: true, forcedToolChoice: false, assistantPrefill: false },
};

/**
 * Other Claude 5 models (Fable 5, Mythos 5, Haiku 5.5, later 5.x): their pages show adaptive
 * thinking; refusing sampling knobs is assumed from their generation (confirmed for Sonnet 5 and
 * Opus 4.7). Both are safe guesses: adaptive thinking is accepted by every model since 4.6, and a
 * dropped temperature loses a knob, not the answer. No output figure is guessed.
 */
const CLAUDE_5_GENERATION: ModelCapabilities = { thinking: "adaptive-only", defaultSamplingOnly: true, assistantPrefill: false };

/** Claude names with the tier first (`claude-sonnet-4-5-20250929`, `claude-opus-4.1`, `claude-fable-5-1`). */
const TIER_FIRST = /^claude-(opus|sonnet|haiku|fable|mythos)-(\d{1,2})(?:[-.](\d{1,2}))?(?!\d)/;
/** Claude names with the version first (`claude-3-5-haiku-20241022`, `claude-3.7-sonnet`). */
const VERSION_FIRST = /^claude-(\d{1,2})(?:[-.](\d{1,2}))?-(opus|sonnet|haiku)(?![a-z])/;

/** OpenAI and Gemini families, first match wins (so exceptions come before their family). */
const OTHER_FAMILIES: Array<{ family: string; match: RegExp; capabilities: ModelCapabilities }> = [
  // Figures: "Max output tokens" and "Context window" on each model's page (gpt-3.5-turbo's
  // older snapshots had 4,096: the higher figure is kept, never a trim below the real window).
  // The GPT-5 row gives no window (5.4's differs from 5's, 400,000), nor Gemini's, whose limit
  // is on the input alone. Non-reasoning GPT models refuse
  // `reasoning_effort` (the rule the Chat encoder had by name before this table, Q06).
  { family: "gpt-4o-2024-05-13", match: /^gpt-4o-2024-05-13$/, capabilities: { thinking: "none", maxOutputTokens: 4_096, contextWindow: 128_000 } },
  { family: "gpt-4o", match: /^gpt-4o|^chatgpt-4o/, capabilities: { thinking: "none", maxOutputTokens: 16_384, contextWindow: 128_000 } },
  { family: "gpt-4.1", match: /^gpt-4\.1/, capabilities: { thinking: "none", maxOutputTokens: 32_768, contextWindow: 1_047_576 } },
  { family: "gpt-4-turbo", match: /^gpt-4-(?:turbo|\d{4}-preview)/, capabilities: { thinking: "none", maxOutputTokens: 4_096, contextWindow: 128_000 } },
  { family: "gpt-4", match: /^gpt-4(?:-0613|-0314)?$/, capabilities: { thinking: "none", maxOutputTokens: 8_192, contextWindow: 8_192 } },
  { family: "gpt-4 (other)", match: /^gpt-4/, capabilities: { thinking: "none" } },
  { family: "gpt-3.5-turbo", match: /^gpt-3\.5-turbo/, capabilities: { thinking: "none", maxOutputTokens: 4_096, contextWindow: 16_385 } },
  { family: "o1-mini", match: /^o1-mini/, capabilities: { maxOutputTokens: 65_536, contextWindow: 128_000 } },
  { family: "o1-preview", match: /^o1-preview/, capabilities: { maxOutputTokens: 32_768, contextWindow: 128_000 } },
  { family: "o1, o3, o4-mini", match: /^(?:o1|o3|o4-mini)(?:-(?:mini|pro|\d{4}-\d{2}-\d{2}))*$/, capabilities: { maxOutputTokens: 100_000, contextWindow: 200_000 } },
  // GPT-5 releases whose pages give 128,000; -pro (272,000 for gpt-5-pro) and -chat variants are
  // left out on purpose, as are releases after 5.4, whose figures this build does not know.
  { family: "gpt-5", match: /^gpt-5(?:\.[124])?(?:-(?:mini|nano|codex(?:-mini|-max)?))?(?:-\d{4}-\d{2}-\d{2})?$/, capabilities: { maxOutputTokens: 128_000 } },
  // Gemini 2.5 and 3.x: "Output token limit" 65,536; above it Google answers "the supported
  // range is from 1 (inclusive) to 65537 (exclusive)". Variants with a smaller limit (image
  // models) keep this higher figure: never a clamp below what a model can give.
  { family: "gemini-2.5, gemini-3", match: /^gemini-(?:2\.5|3(?:\.\d)?)-/, capabilities: { maxOutputTokens: 65_536 } },
];

/**
 * Anthropic's sampling limits while thinking is on (extended-thinking docs, "Feature
 * compatibility"): temperature only at its default 1, top_p only from 0.95 to 1, and no top_k
 * at all. The same for every Claude family with thinking.
 */
export const ANTHROPIC_THINKING_SAMPLING = { temperature: 1, topPMin: 0.95 } as const;

/**
 * The name without what a platform adds around it: an OpenRouter-style prefix
 * (`anthropic/claude-3.5-haiku`), Bedrock's vendor and region prefixes
 * (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`) and Vertex's `@date`
 * (`claude-3-5-haiku@20241022`). Lower case, as routes match.
 */
export function bareModelName(model: string): string {
  let name = model.trim().toLowerCase();
  name = name.slice(name.lastIndexOf("/") + 1);
  name = name.replace(/^(?:[a-z]{2,6}\.)?anthropic\./, "");
  const at = name.indexOf("@");
  return at >= 0 ? name.slice(0, at) : name;
}

/** The built-in capabilities of `model`'s family, with the family's name, or undefined when no row knows it. */
export function findModelFamily(model: string): { family: string; capabilities: ModelCapabilities } | undefined {
  const name = bareModelName(model);
  if (name.startsWith("claude-")) return findClaudeFamily(name);
  const row = OTHER_FAMILIES.find((candidate) => candidate.match.test(name));
  return row ? { family: row.family, capabilities: row.capabilities } : undefined;
}

function findClaudeFamily(name: string): { family: string; capabilities: ModelCapabilities } | undefined {
  const tierFirst = TIER_FIRST.exec(name);
  const versionFirst = tierFirst ? undefined : VERSION_FIRST.exec(name);
  const tier = tierFirst?.[1] ?? versionFirst?.[3];
  const major = tierFirst?.[2] ?? versionFirst?.[1];
  const minor = tierFirst?.[3] ?? versionFirst?.[2];
  if (!tier || !major) return undefined;
  const family = `${tier}-${major}${minor && minor !== "0" ? `.${minor}` : ""}`;
  const known = CLAUDE[family];
  if (known) return { family: `claude ${family}`, capabilities: known };
  if (major === "5") return { family: `claude ${family}`, capabilities: CLAUDE_5_GENERATION };
  return undefined;
}
