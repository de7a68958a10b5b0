/**
 * The most output a route target can give a request, for budget reservations (output-cap.ts),
 * or undefined when nothing but the client's own cap bounds it:
 * - a native request goes as the client sent it: its cap is the bound (the capability table is
 *   not applied to native bodies, and an upstream may allow more than the table's figure: a
 *   beta header lifts Claude 3.7 Sonnet to 128k); without a cap, the model's own maximum;
 * - a translated request is fitted to the model's maximum from the capability table (the
 *   built-in families with the operator's `[models."…"] max_output_tokens` over them), and a cap
 *   it carries also to its provider's `max_output_tokens` (translate/model-capabilities.ts);
 *   translation sends no cap when the client gave none, except to Anthropic, which requires one.
 */
import type { ModelCapabilityTable } from "../proxy/model-capability-table";
import type { RouteTarget } from "../routing/router";

/** `clientCap`: the client's request names an output cap. */
export type OutputCeiling = (target: Readonly<RouteTarget>, clientCap: boolean) => number | undefined;

export function createOutputCeiling(table: ModelCapabilityTable): OutputCeiling {
  return (target, clientCap) => {
    if (!target.translate && clientCap) return undefined;
    const model = table.resolve(target.upstreamModel).maxOutputTokens;
    const capSent = clientCap || target.upstreamProtocol === "anthropic";
    const provider = target.translate && capSent && target.provider !== "loopback" ? target.provider.maxOutputTokens : undefined;
    if (model === undefined) return provider;
    return provider === undefined ? model : Math.min(model, provider);
  };
}
