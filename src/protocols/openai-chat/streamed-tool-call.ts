/**
 * A tool call as the Chat stream decoder assembles it from `delta.tool_calls` fragments (SA04),
 * and the two questions it asks of one: are its arguments whole yet, and did the stream stop
 * in the middle of them (SA08).
 */
export interface ToolAccumulator {
  id?: string;
  name?: string;
  kind: "function" | "custom";
  /** Argument text received before the block could start. */
  buffer: string;
  /** All argument text received, to tell a finished call from a cut one at the end (SA08). */
  received: string;
  /** Canonical block index once started. */
  index?: number;
  /** Chunk number in which the call was first seen (to give a split id a chance, SA04). */
  firstChunk: number;
  /** Gemini's thought signature for the call (K08). */
  signature?: string;
}

/** Custom tool input is free text: a custom call is never waited for. */
export function hasWholeArguments(tool: ToolAccumulator): boolean {
  if (tool.kind === "custom") return true;
  // Arguments are an object: until the text ends in "}" it cannot be whole (no parse needed).
  if (!tool.received.trimEnd().endsWith("}")) return false;
  try {
    JSON.parse(tool.received);
    return true;
  } catch {
    return false;
  }
}

/** A function call whose arguments stopped before they became a JSON value. */
export function hasCutToolCall(tools: Iterable<ToolAccumulator>): boolean {
  for (const tool of tools) {
    if (tool.kind !== "function" || tool.received.trim() === "") continue;
    try {
      JSON.parse(tool.received);
    } catch {
      return true;
    }
  }
  return false;
}
