/**
 * The most output tokens a request can produce on one target, for its budget reservation: the
 * client's own cap (`max_tokens`, `max_completion_tokens`, `max_output_tokens`, whichever its
 * protocol uses), no more than translation lowers it to (output-ceiling.ts); without a cap, what
 * translation sends to Anthropic (`gateway.default_max_tokens`, or room for the thinking asked
 * for), else the model's largest output, since an uncapped request may use all of it (Codex
 * sends none); for a model whose largest output is not known, the configured default
 * (limits.default_output_tokens). Times the number of choices a Chat request asks for (`n`:
 * each choice may use the whole cap, and the upstream bills them all). When a Chat request sends both caps the larger counts:
 * upstreams differ in which one wins (vLLM and others take `max_completion_tokens` over
 * `max_tokens`), and the reservation must hold whichever it is. Embeddings and count_tokens
 * produce none.
 */
import type { UpstreamOperation } from "../providers/endpoints";
import { countsTokens, protocolOfOperation } from "../proxy/operation";
import type { RouteTarget } from "../routing/router";
import { findCodec } from "../translate/registry";
import type { OutputCeiling } from "./output-ceiling";

const CAP_FIELDS: Partial<Record<UpstreamOperation, string[]>> = {
  "openai-chat": ["max_completion_tokens", "max_tokens"],
  "openai-responses": ["max_output_tokens"],
  "openai-responses-compact": ["max_output_tokens"],
  anthropic: ["max_tokens"],
};

/** OpenAI's own ceiling on `n` (a larger one is refused upstream, so never reserved for). */
const MAX_CHOICES = 128;

export interface OutputBounds {
  /** The target's largest output, when known (output-ceiling.ts). */
  ceilingOf: OutputCeiling;
  /** Reserved for an uncapped request to a model whose largest output is not known. */
  fallback: number;
}

export function outputCapOf(operation: UpstreamOperation, body: Record<string, unknown>, target: Readonly<RouteTarget>, bounds: OutputBounds): number {
  if (operation === "openai-embeddings" || countsTokens(operation)) return 0;
  let asked: number | undefined;
  for (const field of CAP_FIELDS[operation] ?? []) {
    const value = body[field];
    if (typeof value === "number" && Number.isFinite(value) && value > 0) asked = Math.max(asked ?? 0, Math.ceil(value));
  }
  const ceiling = bounds.ceilingOf(target, asked, () => findCodec(protocolOfOperation(operation))?.decodeReasoning(body));
  const cap = asked === undefined ? (ceiling ?? bounds.fallback) : ceiling === undefined ? asked : Math.min(asked, ceiling);
  return cap * (operation === "openai-chat" ? choicesOf(body.n) : 1);
}

function choicesOf(n: unknown): number {
  return typeof n === "number" && Number.isFinite(n) && n > 1 ? Math.min(Math.ceil(n), MAX_CHOICES) : 1;
}
