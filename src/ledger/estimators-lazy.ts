/**
 * The ledger's token estimators, loaded on first use. They need gpt-tokenizer's o200k table
 * (about 0.5 s and 90 MB to evaluate, see protocols/anthropic/count-tokens-lazy.ts), and only
 * requests whose upstream reported no (or no final) usage need them: an abandoned stream, an
 * upstream that omits usage. Every other request, and start-up, never loads the table.
 */
export type Estimators = typeof import("./estimate-usage");

let loading: Promise<Estimators> | undefined;

export function loadEstimators(): Promise<Estimators> {
  loading ??= import("./estimate-usage").catch((error: unknown) => {
    loading = undefined; // a failed load is retried by the next request that needs it
    throw error;
  });
  return loading;
}
