/**
 * The most output a route target can give a request, for budget reservations (output-cap.ts),
 * or undefined when nothing but the client's own cap bounds it:
 * - a native request goes as the client sent it: its cap is the bound (the capability table is
 *   not applied to native bodies, and an upstream may allow more than the table's figure: a
 *   beta header lifts Claude 3.7 Sonnet to 128k); without a cap, the model's own maximum;
 * - a request translated to Anthropic carries the `max_tokens` translation chooses, by the
 *   encoder's own rule (protocols/anthropic/max-tokens.ts): the client's cap, else
 *   `gateway.default_max_tokens` (Anthropic requires one), raised to make room for the thinking
 *   the client's reasoning asks for, fitted to the model's maximum from the capability table
 *   (the built-in families with the operator's `[models."…"] max_output_tokens` over them) and
 *   to the provider's `max_output_tokens`. An uncapped Codex request to Claude Opus 4.7 thus
 *   reserves 8,192 tokens (or its thinking room), not the model's 128,000;
 * - a request translated to another protocol is fitted to the model's maximum, and a cap it
 *   carries also to its provider's `max_output_tokens` (translate/model-capabilities.ts);
 *   translation sends none there when the client gave none, so the model's maximum bounds it.
 */
import type { ReasoningConfig } from "../canonical/types";
import { mostMaxTokens } from "../protocols/anthropic/max-tokens";
import type { ModelCapabilityTable } from "../proxy/model-capability-table";
import type { RouteTarget } from "../routing/router";

/**
 * `asked`: the output cap the client's request names, if any. `reasoning`: the reasoning it
 * asks for (read only for a target whose translation depends on it).
 */
export type OutputCeiling = (target: Readonly<RouteTarget>, asked: number | undefined, reasoning: () => ReasoningConfig | undefined) => number | undefined;

/** `defaultMaxTokens`: gateway.default_max_tokens, what translation sends to Anthropic for a request without a cap. */
export function createOutputCeiling(table: ModelCapabilityTable, defaultMaxTokens: number): OutputCeiling {
  return (target, asked, reasoning) => {
    if (!target.translate && asked !== undefined) return undefined;
    const capabilities = table.resolve(target.upstreamModel);
    const model = capabilities.maxOutputTokens;
    if (!target.translate) return model;
    const providerCap = target.provider === "loopback" ? undefined : target.provider.maxOutputTokens;
    if (target.upstreamProtocol === "anthropic") return mostMaxTokens(asked, reasoning(), capabilities, { defaultMaxTokens, upstreamCap: lowerOf(model, providerCap) });
    return lowerOf(model, asked !== undefined ? providerCap : undefined);
  };
}

function lowerOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}
