/**
 * J02: structured output on Claude models without native structured outputs (before Opus 4.1 and
 * the 4.5 generation: Claude 3.x, Sonnet 4, Opus 4), which answer `output_config.format` with a
 * 400. The schema becomes a tool the model is forced to call, and its call becomes the answer's
 * text (the JSON), with a normal stop, so the client never sees the synthetic tool: an agent
 * loop would try to run it.
 */
import type { CanonicalEvent, ContentPart, StopReason } from "../canonical/types";

/** What the response side needs to undo the emulation. */
export interface EmulatedStructuredOutput {
  toolName: string;
  /** The schema's root was not an object (tools take objects only): the value sits under `value`. */
  wrapped: boolean;
}

/** The synthetic tool's name (with a suffix when a client tool already has it). */
export const STRUCTURED_OUTPUT_TOOL = "structured_output";

/**
 * Whether `model` takes `output_config.format`: Claude by name, version 4.1 or later
 * (`claude-opus-4-1`, `claude-sonnet-4-5`, `claude-haiku-4-5`, `claude-opus-5`). Other names,
 * older Claude and Anthropic-compatible servers of other vendors, get the tool emulation, which
 * every model with tools understands.
 */
export function supportsNativeStructuredOutputs(model: string): boolean {
  const match = /claude-(?:opus|sonnet|haiku)-(\d+)(?:-(\d{1,2})(?!\d))?/i.exec(model);
  if (!match) return false;
  const major = Number(match[1]);
  const minor = match[2] === undefined ? 0 : Number(match[2]);
  return major > 4 || (major === 4 && minor >= 1);
}

/** The forced tool for a JSON schema (object roots as they are, other roots under `value`). */
export function structuredOutputTool(schema: Record<string, unknown>, description: string | undefined, takenNames: ReadonlySet<string>): { name: string; description: string; inputSchema: Record<string, unknown>; spec: EmulatedStructuredOutput } {
  const wrapped = schema.type !== "object";
  let name = STRUCTURED_OUTPUT_TOOL;
  for (let suffix = 2; takenNames.has(name); suffix++) name = `${STRUCTURED_OUTPUT_TOOL}_${suffix}`;
  return {
    name,
    description: description ?? "Give your answer by calling this tool with the complete response as its input.",
    inputSchema: wrapped ? { type: "object", properties: { value: schema }, required: ["value"] } : schema,
    spec: { toolName: name, wrapped },
  };
}

/** The JSON text the client gets for the synthetic call's arguments. */
function answerText(argumentsText: string, spec: EmulatedStructuredOutput): string {
  if (!spec.wrapped) return argumentsText;
  try {
    return JSON.stringify((JSON.parse(argumentsText) as { value?: unknown }).value ?? null);
  } catch {
    return argumentsText;
  }
}

/** A whole answer: the synthetic call becomes text, and its tool_use stop a normal end. */
export function revealStructuredOutput(content: ContentPart[], stopReason: StopReason, spec: EmulatedStructuredOutput): { content: ContentPart[]; stopReason: StopReason } {
  let found = false;
  const revealed = content.map((part): ContentPart => {
    if (part.type !== "tool_call" || part.name !== spec.toolName) return part;
    found = true;
    return { type: "text", text: answerText(part.arguments, spec) };
  });
  return { content: revealed, stopReason: found && stopReason === "tool_use" ? "end_turn" : stopReason };
}

/**
 * The same for a stream: the synthetic call's block is a text block. Its arguments stream as text
 * when they are the answer itself; a wrapped value is sent whole when its block closes.
 */
export function createStructuredOutputRevealer(spec: EmulatedStructuredOutput): (event: CanonicalEvent) => CanonicalEvent[] {
  const buffered = new Map<number, string[]>();
  let found = false;
  return (event) => {
    switch (event.type) {
      case "block_start":
        if (event.block.type !== "tool_call" || event.block.name !== spec.toolName) return [event];
        found = true;
        buffered.set(event.index, []);
        return [{ type: "block_start", index: event.index, block: { type: "text" } }];
      case "tool_args_delta": {
        const pieces = buffered.get(event.index);
        if (!pieces) return [event];
        if (!spec.wrapped) return [{ type: "text_delta", index: event.index, text: event.fragment }];
        pieces.push(event.fragment);
        return [];
      }
      case "block_stop": {
        const pieces = buffered.get(event.index);
        if (!pieces || !spec.wrapped) return [event];
        return [{ type: "text_delta", index: event.index, text: answerText(pieces.join(""), spec) }, event];
      }
      case "finish":
        return [found && event.stopReason === "tool_use" ? { ...event, stopReason: "end_turn" } : event];
      default:
        return [event];
    }
  };
}
