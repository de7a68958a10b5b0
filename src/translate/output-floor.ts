import type { CanonicalEvent, CanonicalResponse, ContentPart } from "../canonical/types";
import { countEstimatedTokens, truncateToTokens } from "../tokens/truncate-tokens";
import type { TranslationContext } from "./types";

/**
 * CC02: some providers refuse an output cap below their minimum (Claude Code's `max_tokens: 1`
 * probes then fail, and it marks the model unusable). For a provider with `min_output_tokens`
 * (and the Responses API, which refuses less than 16) the gateway asks the minimum, and trims
 * the answer back to the cap the client asked: text and reasoning to about that many tokens
 * (the gateway's estimator), nothing after them, stop reason `max_tokens` when anything was
 * cut. Usage stays the upstream's: the ledger bills what the upstream generated.
 */

/** The cap to send: the client's, or the floor when it asked less (remembered on `ctx.outputTrim`). */
export function raiseToOutputFloor(cap: number, floor: number | undefined, ctx: TranslationContext): number {
  if (floor === undefined || cap >= floor) return cap;
  ctx.outputTrim = cap;
  ctx.debug?.("output cap raised to the provider minimum; the answer is trimmed back", { requested: cap, sent: floor });
  return floor;
}

/** The non-streamed answer cut to `limit` tokens. */
export function trimResponse(response: CanonicalResponse, limit: number): CanonicalResponse {
  let left = limit;
  let cut = false;
  const content: ContentPart[] = [];
  for (const part of response.content) {
    if (cut) break;
    if (part.type === "text" || (part.type === "reasoning" && part.text !== undefined)) {
      const text = part.text!;
      const kept = truncateToTokens(text, left);
      left -= countEstimatedTokens(kept);
      if (kept !== text) cut = true;
      if (kept !== "") content.push({ ...part, text: kept } as ContentPart);
      continue;
    }
    // A tool call (or any other block) after the budget is spent would be one the model never
    // had room to write under the client's cap.
    if (left <= 0) cut = true;
    else content.push(part);
  }
  return cut ? { ...response, content, stopReason: "max_tokens", stopSequence: undefined } : response;
}

/** The stream's form: deltas counted as they come; past the budget, blocks close and nothing new opens. */
export function createOutputTrimmer(limit: number): (event: CanonicalEvent) => CanonicalEvent[] {
  let left = limit;
  let cut = false;
  /** Blocks passed on and not yet closed: their later events pass (or are trimmed); others are dropped. */
  const open = new Set<number>();
  return (event) => {
    switch (event.type) {
      case "block_start":
        if (cut || (left <= 0 && event.block.type !== "text" && event.block.type !== "reasoning")) {
          cut = true;
          return [];
        }
        open.add(event.index);
        return [event];
      case "text_delta":
      case "reasoning_delta": {
        if (!open.has(event.index)) return [];
        if (cut) return [];
        const kept = truncateToTokens(event.text, left);
        left -= countEstimatedTokens(kept);
        if (kept !== event.text) cut = true;
        return kept === "" ? [] : [{ ...event, text: kept }];
      }
      case "tool_args_delta":
      case "reasoning_signature":
      case "text_annotation":
        return open.has(event.index) ? [event] : [];
      case "block_stop":
        if (!open.delete(event.index)) return [];
        return [event];
      case "finish":
        return cut ? [{ type: "finish", stopReason: "max_tokens" }] : [event];
      default:
        return [event];
    }
  };
}
