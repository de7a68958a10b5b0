import type { CanonicalEvent } from "../canonical/types";

/**
 * Canonical streams may hold overlapping blocks: a Responses upstream streams parallel calls as
 * items open side by side, and a Chat upstream may interleave the argument fragments of
 * parallel tool calls by `index` (SA02). Anthropic clients accept one open content block at a
 * time, and the Responses encoder finishes items in order, so before any client encoder the
 * blocks are put in sequence: the first block to open streams live; a block that opens while
 * it is still open is held whole (start, deltas, stop) and replayed as soon as the blocks
 * before it have closed. Nothing is dropped and nothing is reordered inside a block; a stream
 * whose blocks never overlap passes through unchanged.
 */
export type BlockSerializer = (event: CanonicalEvent) => CanonicalEvent[];

export function createBlockSerializer(): BlockSerializer {
  /** The block whose events pass through now. */
  let current: number | undefined;
  /** Blocks that opened while another was live, in opening order, with their events so far. */
  const held = new Map<number, CanonicalEvent[]>();

  /** Replay held blocks in order until one is still open: that one becomes live. */
  function releaseHeld(out: CanonicalEvent[]): void {
    for (const [index, events] of held) {
      held.delete(index);
      out.push(...events);
      if (!events.some((event) => event.type === "block_stop")) {
        current = index;
        return;
      }
    }
  }

  return (event) => {
    switch (event.type) {
      case "block_start":
        if (current === undefined) {
          current = event.index;
          return [event];
        }
        held.set(event.index, [event]);
        return [];
      case "text_delta":
      case "annotation":
      case "reasoning_delta":
      case "reasoning_signature":
      case "tool_args_delta": {
        const events = held.get(event.index);
        if (!events) return [event];
        events.push(event);
        return [];
      }
      case "block_stop": {
        const events = held.get(event.index);
        if (events) {
          events.push(event);
          return [];
        }
        if (event.index !== current) return [event];
        current = undefined;
        const out: CanonicalEvent[] = [event];
        releaseHeld(out);
        return out;
      }
      case "message_stop": {
        // The upstream is done: whatever is still held goes out before the end, each block
        // closed before the next opens (a block the upstream never closed is closed here).
        const out: CanonicalEvent[] = [];
        if (current !== undefined) out.push({ type: "block_stop", index: current });
        current = undefined;
        for (const [index, events] of held) {
          out.push(...events);
          if (!events.some((e) => e.type === "block_stop")) out.push({ type: "block_stop", index });
        }
        held.clear();
        out.push(event);
        return out;
      }
      default:
        return [event];
    }
  };
}
