import type { CustomTool } from "./types";

/**
 * S10: a freeform (custom) tool such as Codex's `apply_patch` offered to an upstream that only
 * knows JSON function tools becomes a function taking one string, `{input}`, with the grammar
 * in its description so the model still knows the format. On the way back the Responses
 * encoder unwraps `{input}` into a `custom_tool_call` again (openai-responses/client-tools.ts).
 */
export function wrappedCustomToolParameters(): Record<string, unknown> {
  return { type: "object", properties: { input: { type: "string" } }, required: ["input"] };
}

export function wrappedCustomToolDescription(tool: CustomTool): string {
  return [tool.description, tool.format ? `Input format: ${JSON.stringify(tool.format)}` : undefined].filter(Boolean).join("\n\n");
}

/** A replayed custom call's raw input as the wrapped function's JSON arguments. */
export function wrappedCustomToolArguments(rawInput: string): string {
  return JSON.stringify({ input: rawInput });
}
