/**
 * What one turn sends down a Responses WebSocket. The turn itself is served as an ordinary
 * streamed POST /v1/responses; this turns that HTTP answer into WebSocket frames: each SSE
 * event's JSON as one text frame (the same events, in the same order, as over HTTP), and an
 * HTTP error answer as the error event OpenAI's WebSocket mode sends and Codex reads,
 * `{"type":"error","status":…,"error":{…}}`.
 */
import { SseDecoder } from "../streaming/sse-decoder";

type Json = Record<string, unknown>;

/** The events after which a response is over, carrying the final response object. */
const finalEvents = new Set(["response.completed", "response.incomplete", "response.failed"]);
/** Every event that carries the whole response object (the final ones and the opening ones). */
const responseEvents = new Set([...finalEvents, "response.created", "response.queued", "response.in_progress"]);

/** The WebSocket error event for a refused turn. */
export function errorFrame(status: number, error: unknown, headers?: Record<string, string>): string {
  return JSON.stringify({ type: "error", status, error, ...(headers && Object.keys(headers).length > 0 ? { headers } : {}) });
}

/** The error event for an HTTP error answer: its status, its `error` object and its retry-after. */
export async function errorFrameFromAnswer(answer: Response): Promise<string> {
  const text = await answer.text();
  let error: unknown;
  try {
    const body = JSON.parse(text) as Json;
    error = body.error ?? body;
  } catch {
    error = { type: "server_error", code: null, message: text.slice(0, 500) || `upstream answered ${answer.status}`, param: null };
  }
  const retryAfter = answer.headers.get("retry-after");
  return errorFrame(answer.status, error, retryAfter ? { "retry-after": retryAfter } : undefined);
}

/**
 * Send each event of a streamed answer as a frame, as it arrives. Returns the final response
 * object (from response.completed, .incomplete or .failed) when the stream carried one.
 * Only the events carrying the response object are parsed: every other event goes out as the
 * text it came in. With `echoPreviousId`, those response objects say that
 * `previous_response_id`: the turn continued a response the connection held and expanded
 * itself, so the HTTP path saw no such id (or the stored one the chain began with), while
 * OpenAI echoes the id the client sent.
 */
export async function relayStream(answer: Response, send: (frame: string) => void, signal: AbortSignal, echoPreviousId?: string): Promise<Json | undefined> {
  const reader = answer.body!.getReader();
  const abandon = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", abandon, { once: true });
  const decoder = new SseDecoder();
  let final: Json | undefined;
  const forward = (events: ReturnType<SseDecoder["push"]>) => {
    for (const event of events) {
      if (event.data === "" || event.data === "[DONE]") continue;
      const name = event.event ?? /"type"\s*:\s*"([^"]+)"/.exec(event.data)?.[1];
      if (!name || !responseEvents.has(name)) {
        send(event.data);
        continue;
      }
      const parsed = JSON.parse(event.data) as Json;
      const response = parsed.response && typeof parsed.response === "object" ? (parsed.response as Json) : undefined;
      if (response && echoPreviousId !== undefined) response.previous_response_id = echoPreviousId;
      send(response && echoPreviousId !== undefined ? JSON.stringify(parsed) : event.data);
      if (response && finalEvents.has(name)) final = response;
    }
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      forward(decoder.push(value));
    }
    forward(decoder.end());
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    signal.removeEventListener("abort", abandon);
  }
  return final;
}
