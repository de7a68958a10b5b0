import type { ProviderConfig } from "../config/types";

/**
 * The routes a provider key implies ("set the key and go"): with an OpenAI key these patterns go
 * to `openai`, with an Anthropic key `claude*` goes to `anthropic`.
 */
export const openaiImpliedPatterns = ["gpt-*", "o1*", "o3*", "o4*", "chatgpt-*", "codex-*", "text-embedding-*", "omni-*"] as const;
export const anthropicImpliedPatterns = ["claude*"] as const;

/** One implied route that is missing because its provider has no key. */
export interface MissingKeyHint {
  pattern: string;
  hint: string;
}

/**
 * Why a model of a well-known family is not routed when the key it needs is missing. A new user
 * who forgot TOKLIGENCE_OPENAI_API_KEY used to read only that 'gpt-4o' "does not exist", which
 * sends them looking for a typo in the model name instead of at the key.
 */
export function missingKeyHints(providers: readonly ProviderConfig[]): MissingKeyHint[] {
  const keyless = (name: string) => {
    const provider = providers.find((candidate) => candidate.name === name);
    return provider !== undefined && provider.apiKeys.length === 0;
  };
  const hints: MissingKeyHint[] = [];
  if (keyless("openai")) {
    const hint = "it would go to the openai provider, which has no API key (set TOKLIGENCE_OPENAI_API_KEY, or api_keys under [providers.openai])";
    for (const pattern of openaiImpliedPatterns) hints.push({ pattern, hint });
  }
  if (keyless("anthropic") && keyless("openai")) {
    hints.push({
      pattern: "claude*",
      hint: "it would go to the anthropic provider, which has no API key (set TOKLIGENCE_ANTHROPIC_API_KEY, or api_keys under [providers.anthropic]; with only TOKLIGENCE_OPENAI_API_KEY, Claude names go to routing.big_model and routing.small_model)",
    });
  }
  return hints;
}
