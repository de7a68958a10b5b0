/**
 * The count_tokens estimator, loaded on first use. gpt-tokenizer's o200k_base table costs about
 * 0.5 s and 90 MB to evaluate (measured on the 2-core bench VM), which every start-up and every
 * idle gateway paid although only count_tokens on a non-Anthropic upstream needs it. The first
 * such request pays the load once instead.
 */
type Estimator = (body: Record<string, unknown>) => number;

let loading: Promise<Estimator> | undefined;

export async function estimateAnthropicInputTokensLazily(body: Record<string, unknown>): Promise<number> {
  loading ??= import("./count-tokens").then(
    (module) => module.estimateAnthropicInputTokens,
    (error) => {
      loading = undefined; // a failed load is retried by the next request
      throw error;
    },
  );
  return (await loading)(body);
}
