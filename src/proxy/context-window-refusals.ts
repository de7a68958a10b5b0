/**
 * A model's context window, read from the 400 its provider answers a prompt that does not fit
 * (E04 learned rather than tabled, as output caps are in output-cap-refusals.ts).
 *
 * `truncation: "auto"` (truncation.ts) needs the window to trim against, and the capability
 * table leaves it unknown where the figure is uncertain (Claude 4.7+, GPT-5, Gemini) or the model
 * is one of many an OpenAI-compatible server hosts (vLLM's `max_model_len` is the operator's
 * choice). Every provider names its limit when it refuses, so the refusal teaches it: the same
 * request goes again trimmed to it, and later requests to that provider's model are trimmed
 * before they are sent.
 */

/** How each provider words the limit; the first group is the window in tokens. */
const WINDOW_WORDINGS: readonly RegExp[] = [
  // OpenAI, vLLM, DeepSeek, OpenRouter, Groq: "This model's maximum context length is 32768 tokens".
  /maximum context length is (\d+) tokens/i,
  // Anthropic: "prompt is too long: 215000 tokens > 200000 maximum".
  /prompt is too long: \d+ tokens > (\d+) maximum/i,
  // Mistral: "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length".
  /too large for model with (\d+) maximum context length/i,
  // Gemini: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)".
  /exceeds the maximum number of tokens allowed \((\d+)\)/i,
  // xAI: "This model's maximum prompt length is 131072 but the request contains 140000 tokens".
  /maximum prompt length is (\d+)/i,
  // llama.cpp: "the request exceeds the available context size (4096 tokens)".
  /available context size \((\d+) tokens\)/i,
];

/** The context window a refusal names; undefined when the text names none. */
export function findContextWindow(errorText: string): number | undefined {
  // A JSON error body quoted inside another (a proxy's) escapes its quotes; the numbers survive.
  for (const wording of WINDOW_WORDINGS) {
    const match = wording.exec(errorText);
    const window = match ? Number(match[1]) : Number.NaN;
    if (Number.isSafeInteger(window) && window > 0) return window;
  }
  return undefined;
}
