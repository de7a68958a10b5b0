import type { SseEvent } from "./sse-event";

/** Encode one event as SSE text. `event` and `id` may not contain line breaks (they would forge fields). */
export function encodeSseEvent(event: SseEvent): string {
  let text = "";
  if (event.event !== undefined) {
    if (/[\r\n]/.test(event.event)) throw new Error("SSE event name contains a line break");
    text += `event: ${event.event}\n`;
  }
  if (event.id !== undefined) {
    if (/[\r\n]/.test(event.id)) throw new Error("SSE id contains a line break");
    text += `id: ${event.id}\n`;
  }
  // Multi-line data becomes several data: lines, which the decoder joins back with "\n".
  for (const line of event.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** A JSON event in the Anthropic/Responses style: `event: <type>` plus the JSON data. */
export function jsonEvent(type: string | undefined, payload: unknown): SseEvent {
  return type === undefined ? { data: JSON.stringify(payload) } : { event: type, data: JSON.stringify(payload) };
}
