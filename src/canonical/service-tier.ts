/**
 * `service_tier` means the same thing on both sides only in part (P11). OpenAI: `auto`,
 * `default`, `flex`, `priority`, `scale`. Anthropic: `auto` and `standard_only` (standard
 * capacity only, OpenAI's `default`). The canonical request keeps the client's own value;
 * these map it for an upstream, and a value the upstream has no word for is left out rather
 * than sent to a 400 ("Invalid value: 'standard_only'").
 */
const OPENAI_TIERS = new Set(["auto", "default", "flex", "priority", "scale"]);

/** The tier for an OpenAI upstream (Chat or Responses), or undefined to leave it out. */
export function toOpenAIServiceTier(tier: string | undefined): string | undefined {
  if (tier === "standard_only") return "default";
  return tier !== undefined && OPENAI_TIERS.has(tier) ? tier : undefined;
}

/**
 * The tier an Anthropic answer reports (`usage.service_tier`: `standard`, `priority`, `batch`) in
 * OpenAI's words, for an OpenAI client's `service_tier`; undefined for one OpenAI has no word for.
 */
export function fromAnthropicServiceTier(tier: unknown): string | undefined {
  if (tier === "standard") return "default";
  if (tier === "priority") return "priority";
  return undefined;
}

/** The tier for an Anthropic upstream: flex, priority and scale have no Anthropic match. */
export function toAnthropicServiceTier(tier: string | undefined): string | undefined {
  if (tier === "auto") return "auto";
  if (tier === "default" || tier === "standard_only") return "standard_only";
  return undefined;
}
