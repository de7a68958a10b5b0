/** One Server-Sent Event as it travels through the gateway (decoded, not yet encoded). */
export interface SseEvent {
  /** The `event:` field; absent for OpenAI Chat chunks. */
  event?: string;
  /** The `data:` payload (multi-line data joined with "\n"). */
  data: string;
  /** The `id:` field, rarely used by LLM APIs. */
  id?: string;
}
