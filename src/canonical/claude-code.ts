/**
 * Claude Code's first system block is a per-request billing/attribution line
 * (`x-anthropic-billing-header: cc_version=…; cc_entrypoint=…;`). It changes on every
 * request, so sent to a non-Anthropic upstream it becomes the first tokens of the prompt and
 * defeats prefix caching (M02). Encoders for non-Anthropic upstreams drop it; Anthropic keeps it.
 */
export function isClaudeCodeAttributionText(text: string): boolean {
  return text.trimStart().startsWith("x-anthropic-billing-header:");
}
