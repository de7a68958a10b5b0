import type { TranslationContext } from "../../translate/types";

/**
 * S10: freeform `custom` tools are an OpenAI Chat feature (GPT-5); OpenAI-compatible servers
 * (DeepSeek, vLLM, Groq, Ollama...) know only `function` tools and reject the request.
 */
export function upstreamTakesCustomTools(ctx: TranslationContext): boolean {
  return (ctx.providerKind ?? (ctx.providerName === "openai" ? "openai" : undefined)) === "openai";
}
