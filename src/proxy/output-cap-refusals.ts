/**
 * An output cap the provider refuses, read from its 400, so the request can go again with the
 * largest cap it takes (P02 learned rather than tabled).
 *
 * Claude Code asks for 32,000 output tokens, 128,000 for its largest model names; a translated
 * request carries that cap to models that give far less, and many servers refuse the whole
 * request instead of answering shorter: Groq ("`max_tokens` must be less than or equal to
 * `16384`", for every Claude Code request on Kimi K2 or Qwen3), OpenAI ("supports at most 16384
 * completion tokens"), DeepSeek's older models ("the valid range of max_tokens is [1, 8192]"),
 * and vLLM, whose limit is the context window less the prompt ("'max_tokens' … is too large:
 * 32000. This model's maximum context length is 32768 tokens and your request has 1200 input
 * tokens"). A model's fixed maximum is remembered for the provider's model; a limit that
 * depends on the prompt is used for that request only.
 */

export interface OutputCapRefusal {
  /** The largest cap the provider takes for this request. */
  cap: number;
  /** Whether the cap is the model's own (true) or depends on this prompt's length (false). */
  fixed: boolean;
}

const FIXED_CAPS: ReadonlyArray<{ pattern: RegExp; adjust?: number }> = [
  // Groq: "`max_tokens` must be less than or equal to `16384`", "max_tokens for `x` must be …".
  { pattern: /max(?:_completion)?_tokens`?(?: for `[^`]*`)? must be less than or equal to `?(\d+)/i },
  // OpenAI: "This model supports at most 16384 completion tokens".
  { pattern: /supports at most (\d+) completion tokens/i },
  // DeepSeek's older models: "the valid range of max_tokens is [1, 8192]".
  { pattern: /valid range of max(?:_completion)?_tokens is \[\s*1\s*,\s*(\d+)\s*\]/i },
  // Gemini: "Unable to submit request because it has a maxOutputTokens value of 100000 but the
  // supported range is from 1 (inclusive) to 65537 (exclusive)". Google words every out-of-range
  // field so (topK: "to 41"), so the output cap must be named before the range.
  { pattern: /(?:max_?output_?tokens|max(?:_completion)?_tokens)[^]*?from 1 \(inclusive\) to (\d+) \(exclusive\)/i, adjust: -1 },
];

/** The cap a 400 asks for, when it is lower than the one sent; undefined when it names none. */
export function findOutputCap(errorText: string, requested: number): OutputCapRefusal | undefined {
  const text = errorText.replace(/\\"/g, '"');
  for (const { pattern, adjust } of FIXED_CAPS) {
    const match = pattern.exec(text);
    if (match) return lower({ cap: Number(match[1]) + (adjust ?? 0), fixed: true }, requested);
  }
  // vLLM: "... is too large: 32000. This model's maximum context length is 32768 tokens and your
  // request has 1200 input tokens"; OpenAI-style servers: "maximum context length is 32768
  // tokens. However, you requested 33200 tokens (1200 in the messages, 32000 in the completion)".
  const window = /maximum context length is (\d+) tokens/i.exec(text);
  const prompt = /request has (\d+) input tokens/i.exec(text) ?? /\((\d+) in the messages/i.exec(text);
  if (window && prompt) return lower({ cap: Number(window[1]) - Number(prompt[1]), fixed: false }, requested);
  return undefined;
}

/** Only a cap that is lower than the one sent, and leaves room for an answer. */
function lower(refusal: OutputCapRefusal, requested: number): OutputCapRefusal | undefined {
  return Number.isFinite(refusal.cap) && refusal.cap >= 1 && refusal.cap < requested ? refusal : undefined;
}
