/**
 * Knobs of the Responses codec. Everything has a default, so `openaiResponsesCodec` works
 * as is; tests inject deterministic ids and clocks, and the lead can wire agent helpers
 * (src/agents) through `rewriteToolCallArguments` without the codec importing them.
 */
export interface ResponsesCodecOptions {
  /** New id with the given prefix (`resp_`, `msg_`, `fc_`, `rs_`, `ctc_`), N06. */
  newId?: (prefix: string) => string;
  /** Current time in Unix seconds (`created_at`). */
  now?: () => number;
  /**
   * Rewrites the final arguments of a function call the model made before the client sees
   * them (e.g. shell command normalisation, upstream-tokligence §1.20). Applied to
   * `function_call_arguments.done`, `output_item.done` and non-streaming output; the
   * streamed deltas stay raw, as Codex builds the call from `output_item.done` (SR04).
   */
  rewriteToolCallArguments?: (toolName: string, args: string) => string;
}

export interface ResolvedResponsesCodecOptions {
  newId: (prefix: string) => string;
  now: () => number;
  rewriteToolCallArguments?: (toolName: string, args: string) => string;
}

/** Random ids: the prefix plus 32 hex digits (OpenAI ids are opaque strings). */
export function generateRandomId(prefix: string): string {
  return prefix + crypto.randomUUID().replace(/-/g, "");
}

export function resolveResponsesCodecOptions(options: ResponsesCodecOptions = {}): ResolvedResponsesCodecOptions {
  return {
    newId: options.newId ?? generateRandomId,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    rewriteToolCallArguments: options.rewriteToolCallArguments,
  };
}
