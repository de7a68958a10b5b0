import type { ContentPart } from "../canonical/types";
import { invalidRequest } from "./wire-values";

/**
 * Audio input a Responses client sent (`input_audio`, the same shape as Chat's part). The hub
 * has no audio part, so it travels opaque: a Chat upstream takes the part as it is, and Claude,
 * which has no audio input, must refuse it (C07): dropped, the model would answer a question
 * it never heard.
 */
export function readAudioInput(part: ContentPart): Record<string, unknown> | undefined {
  if (part.type !== "opaque" || part.protocol !== "openai-responses") return undefined;
  const value = part.value as Record<string, unknown> | null;
  return value && typeof value === "object" && value.type === "input_audio" ? value : undefined;
}

export function audioInputError(): Error {
  return invalidRequest("audio input is not supported for this model", "input");
}
