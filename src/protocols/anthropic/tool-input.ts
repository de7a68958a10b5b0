import { parseArgumentsObject } from "../../translate/tool-arguments";
import type { TranslationContext } from "../../translate/types";

/**
 * Anthropic `tool_use.input` must be a JSON object, while upstream arguments are JSON text that
 * may be anything (H06). The non-streamed answer and the stream both go through `encodeToolInput`,
 * so a client gets the same input for the same upstream arguments, streamed or not.
 */

/** Upstream arguments → the object for `tool_use.input`, repaired (and logged) when they were not one. */
export function encodeToolInput(name: string, args: string, ctx: TranslationContext): Record<string, unknown> {
  const { value, repaired } = parseArgumentsObject(args);
  if (repaired) ctx.warn("upstream tool arguments were not a JSON object; repaired", { tool: name, raw: args.slice(0, 200) });
  return value;
}

/**
 * The streamed form, one per tool_use block. `push` gives what to send now as `partial_json`,
 * `end` what to send before the block closes.
 *
 * Arguments that open with `{` pass through fragment by fragment as they arrive (SA04: never
 * buffered until they parse): they are an object, or one cut short (which H06 reports with
 * stop_reason max_tokens). Arguments that open with anything else (`[`, a string, a number, a
 * code fence) cannot reach the client as an object however they end, so they are held and sent
 * once, at the end, as the object `encodeToolInput` makes of them: what the non-streamed answer
 * carries. Leading whitespace is held until the first real character decides.
 */
export interface ToolInputStream {
  push(fragment: string): string;
  end(): string;
}

export function createToolInputStream(name: string, ctx: TranslationContext): ToolInputStream {
  let mode: "undecided" | "pass" | "hold" = "undecided";
  let held = "";
  return {
    push(fragment) {
      if (mode === "pass") return fragment;
      held += fragment;
      if (mode === "hold") return "";
      const first = held.trimStart()[0];
      if (first === undefined) return "";
      mode = first === "{" ? "pass" : "hold";
      if (mode === "hold") return "";
      const out = held;
      held = "";
      return out;
    },
    end() {
      if (mode !== "hold") return "";
      mode = "pass";
      return JSON.stringify(encodeToolInput(name, held, ctx));
    },
  };
}
