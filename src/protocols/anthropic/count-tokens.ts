import { createTokenCounter, type TokenCounter } from "../../tokens/bounded-counter";

/**
 * An ESTIMATE of `POST /v1/messages/count_tokens` for upstreams that cannot count Anthropic
 * requests (T07). Claude Code calls this for `/context` and auto-compaction, so it must count
 * what really fills the context: system, every message, tool definitions, tool inputs and
 * results, thinking, and images. Never exact: Claude's tokenizer is not public, so the
 * o200k_base BPE (gpt-tokenizer, offline, pure JS) stands in; for English and code the two
 * differ by some percent, far better than the 4-characters-per-token guesses (FGP, 1RGS).
 */

/**
 * Fixed cost of one image. Anthropic's documented formula is width×height/750 tokens, with
 * images scaled down to about 1.15 megapixels, so a large image costs about 1,600 tokens. The
 * dimensions are not decoded here; every image is charged that ceiling.
 */
export const IMAGE_TOKEN_ESTIMATE = 1_600;

/** Fixed cost per PDF page-equivalent; a page is charged for every 50 KB of base64 PDF data. */
export const PDF_TOKENS_PER_PAGE = 1_500;
const PDF_BASE64_BYTES_PER_PAGE = 50_000;

/** Framing tokens per message (role and separators), as in OpenAI's published counting recipe. */
const MESSAGE_OVERHEAD = 4;

/**
 * Anthropic adds a hidden tool-use system prompt when tools are present: 346 tokens with
 * tool_choice auto/none, 313 with any/tool (Anthropic tool-use pricing docs, Claude 4 models).
 */
const TOOL_PROMPT_AUTO = 346;
const TOOL_PROMPT_FORCED = 313;

/** Estimated input tokens of an Anthropic Messages (or count_tokens) request body. */
export function estimateAnthropicInputTokens(body: Record<string, unknown>, count: TokenCounter = createTokenCounter()): number {
  const countText = (value: unknown) => (typeof value === "string" ? count(value) : 0);
  const countBlock = (block: unknown) => countAnthropicBlock(block, countText);
  let total = 0;
  const system = body.system;
  if (typeof system === "string") total += countText(system);
  else if (Array.isArray(system)) for (const block of system) total += countBlock(block);

  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      total += MESSAGE_OVERHEAD;
      const content = (message as { content?: unknown } | null)?.content;
      if (typeof content === "string") total += countText(content);
      else if (Array.isArray(content)) for (const block of content) total += countBlock(block);
    }
  }

  if (Array.isArray(body.tools) && body.tools.length > 0) {
    const choice = (body.tool_choice as { type?: unknown } | undefined)?.type;
    total += choice === "any" || choice === "tool" ? TOOL_PROMPT_FORCED : TOOL_PROMPT_AUTO;
    for (const tool of body.tools) total += countText(JSON.stringify(tool));
  }
  return total;
}

function countAnthropicBlock(raw: unknown, countText: (value: unknown) => number): number {
  if (!raw || typeof raw !== "object") return 0;
  const block = raw as Record<string, unknown>;
  switch (block.type) {
    case "text":
      return countText(block.text);
    case "thinking":
      return countText(block.thinking);
    case "redacted_thinking":
      // Encrypted thinking is base64 of the original; about a quarter of its length in tokens.
      return Math.ceil(String(block.data ?? "").length / 4);
    case "image":
      return IMAGE_TOKEN_ESTIMATE;
    case "document":
      return countDocument(block, countText);
    case "tool_use":
      return countText(block.name) + countText(JSON.stringify(block.input ?? {}));
    case "tool_result": {
      const content = block.content;
      if (typeof content === "string") return countText(content);
      if (!Array.isArray(content)) return 0;
      return content.reduce((sum: number, item) => sum + countAnthropicBlock(item, countText), 0);
    }
    default:
      // server_tool_use, search results and future blocks: count their JSON.
      return countText(JSON.stringify(block));
  }
}

function countDocument(block: Record<string, unknown>, countText: (value: unknown) => number): number {
  const source = (block.source ?? {}) as Record<string, unknown>;
  const title = countText(block.title) + countText(block.context);
  if (source.type === "text") return title + countText(source.data);
  if (source.type === "content") {
    const chunks = source.content;
    return title + (Array.isArray(chunks) ? chunks.reduce((sum: number, chunk) => sum + countAnthropicBlock(chunk, countText), 0) : countText(chunks));
  }
  if (source.type === "base64" && typeof source.data === "string") {
    return title + Math.max(1, Math.ceil(source.data.length / PDF_BASE64_BYTES_PER_PAGE)) * PDF_TOKENS_PER_PAGE;
  }
  return title + PDF_TOKENS_PER_PAGE;
}
