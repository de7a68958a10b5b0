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

/**
 * The tier an OpenAI upstream reports (its response's `service_tier`) in Anthropic's words, for
 * an Anthropic client's `usage.service_tier` (`standard`, `priority`, `batch`): `default` is
 * standard; `priority` and `scale` (OpenAI's reserved capacity, as Anthropic's Priority Tier is)
 * are priority; `flex` (billed at Batch rates, served when capacity is spare) is batch, so that
 * cost reports by tier come out right. `auto` is the tier asked for before one was chosen, and
 * any other value is unknown: undefined, left out rather than guessed.
 */
export function toAnthropicUsageTier(tier: string | undefined): "standard" | "priority" | "batch" | undefined {
  if (tier === "default") return "standard";
  if (tier === "priority" || tier === "scale") return "priority";
  if (tier === "flex") return "batch";
  return undefined;
}

/** The tier an OpenAI client is told served its answer: `auto` (not yet chosen) is none. */
export function reportedOpenAITier(tier: string | undefined): string | undefined {
  return tier === "auto" ? undefined : tier;
}

/** The tier for an Anthropic upstream: flex, priority and scale have no Anthropic match. */
export function toAnthropicServiceTier(tier: string | undefined): string | undefined {
  if (tier === "auto") return "auto";
  if (tier === "default" || tier === "standard_only") return "standard_only";
  return undefined;
}
