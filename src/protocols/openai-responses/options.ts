/**
 * Knobs of the Responses codec. Everything has a default, so `openaiResponsesCodec` works
 * as is; tests inject deterministic ids and clocks. (Shell normalisation and the other agent
 * helpers work on canonical events in src/agents/apply.ts, not inside this codec.)
 */
export interface ResponsesCodecOptions {
  /** New id with the given prefix (`resp_`, `msg_`, `fc_`, `rs_`, `ctc_`), N06. */
  newId?: (prefix: string) => string;
  /** Current time in Unix seconds (`created_at`). */
  now?: () => number;
}

export interface ResolvedResponsesCodecOptions {
  newId: (prefix: string) => string;
  now: () => number;
}

/** Random ids: the prefix plus 32 hex digits (OpenAI ids are opaque strings). */
export function generateRandomId(prefix: string): string {
  return prefix + crypto.randomUUID().replace(/-/g, "");
}

export function resolveResponsesCodecOptions(options: ResponsesCodecOptions = {}): ResolvedResponsesCodecOptions {
  return {
    newId: options.newId ?? generateRandomId,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
  };
}
