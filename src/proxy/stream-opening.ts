/**
 * The opening of an upstream event stream, read before the client's answer starts. Providers
 * answer 200 and then fail the request in the stream itself: OpenRouter sends `: OPENROUTER
 * PROCESSING` comments and then a chunk with an `error` when the provider behind it refuses
 * (a rate limit, an overload), Anthropic may send an `error` event (`overloaded_error`) after
 * `message_start`, and OpenAI's Responses API `response.failed` after `response.created`.
 * Relayed as they came, such an answer reached the client as a 200 stream holding one error
 * event: SDKs do not retry a stream error, and the route did not fail over, although no byte
 * of the answer had been sent (house rule 4).
 *
 * So the stream's first chunk is read before the answer's headers (as before: a stream that
 * ends before any event fails over), and while the stream has shown nothing but its preamble
 * (the events every answer opens with, comments, pings), the next chunks are read for up to
 * `windowMs` more (gateway.stream_opening_window_ms, 1 s by default: an error that replaces an
 * answer comes right after the preamble, while a model that thinks before its first token sends
 * nothing for longer, and its client should have the answer's headers, then keep-alive pings,
 * rather than wait on a silent connection). An error in that opening becomes an upstream failure with the
 * status the error stands for, handled inside the attempt as an answer with that status is
 * (open-stream.ts, send-attempt.ts): a 429 sets its key aside and tries the provider's next key,
 * then the route fails over, or the client is answered with that status in its protocol. The first event that carries the answer (text, a tool call,
 * reasoning, a content block) ends the opening; the chunks read so far reach the client one by
 * one, as they came, and an error after that point is relayed in the stream as before.
 */
import { asRecord } from "../protocols/wire-values";
import { SseDecoder } from "../streaming/sse-decoder";
import type { SseEvent } from "../streaming/sse-event";

/** The upstream body with its opening already read (so a dead or failed stream can still fail over). */
export interface PrimedBody {
  first: IteratorResult<Uint8Array>;
  /** The rest of the body: the opening's later chunks first, one by one, then the upstream's. */
  rest: AsyncGenerator<Uint8Array>;
}

/** An error that opened the stream: the status it stands for and the error in the upstream's own error-body shape. */
export interface OpeningError {
  status: number;
  body: Record<string, unknown>;
}

type Verdict = "preamble" | "answer" | OpeningError;

/** The upstream protocols whose streams are read here (others open with the answer itself). */
export type StreamProtocol = "openai-chat" | "openai-responses" | "anthropic";

/**
 * Read the stream's opening. `failed` turns an opening error into the exception to throw (the
 * caller's upstream failure); the body is given back first (its timers and connection).
 */
export async function primeStream(body: AsyncGenerator<Uint8Array>, protocol: StreamProtocol | undefined, failed: (error: OpeningError) => Error, windowMs: number): Promise<PrimedBody> {
  let first = await body.next();
  while (!first.done && first.value.byteLength === 0) first = await body.next();
  // An event stream that ends before its first byte: nothing has reached the client, so this is
  // an upstream failure before the failover line (house rule 4), answered with a status or
  // failed over, not a 200 stream holding only an error event.
  if (first.done) throw new OpeningStreamEnded();
  if (!protocol) return { first, rest: body };
  const decoder = new SseDecoder();
  const giveUp = (error: OpeningError): never => {
    void body.return(undefined).catch(() => {});
    throw failed(error);
  };
  let verdict = judge(protocol, decoder.push(first.value));
  if (typeof verdict === "object") giveUp(verdict);
  if (verdict === "answer") return { first, rest: body };
  const held: Uint8Array[] = [];
  const deadline = Date.now() + windowMs;
  for (;;) {
    const pending = body.next();
    const next = await within(pending, deadline - Date.now());
    // The window passed with the answer not yet begun: the client gets what came, and the read in progress.
    if (next === undefined) return { first, rest: resumeWith(held, pending, body) };
    if (next.done) return { first, rest: resumeWith(held, Promise.resolve(next), body) };
    held.push(next.value);
    verdict = judge(protocol, decoder.push(next.value));
    if (typeof verdict === "object") giveUp(verdict);
    if (verdict === "answer") return { first, rest: resumeWith(held, undefined, body) };
  }
}

/** Thrown when the stream ends before its first byte (the caller words the failure). */
export class OpeningStreamEnded extends Error {
  constructor() {
    super("upstream closed the stream before sending any event");
  }
}

/** The first verdict among `events` that is not preamble; "preamble" when all are. */
function judge(protocol: StreamProtocol, events: SseEvent[]): Verdict {
  for (const event of events) {
    const verdict = protocol === "anthropic" ? judgeAnthropic(event) : protocol === "openai-responses" ? judgeResponses(event) : judgeChat(event);
    if (verdict !== "preamble") return verdict;
  }
  return "preamble";
}

function parse(data: string): Record<string, unknown> | undefined {
  try {
    return asRecord(JSON.parse(data));
  } catch {
    return undefined;
  }
}

/** Anthropic's statuses for its error types (https://docs.anthropic.com/en/api/errors). */
const ANTHROPIC_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function judgeAnthropic(event: SseEvent): Verdict {
  const type = event.event ?? parse(event.data)?.type;
  if (type === "message_start" || type === "ping") return "preamble";
  if (type !== "error") return "answer";
  const data = parse(event.data);
  const error = asRecord(data?.error) ?? {};
  const status = typeof error.type === "string" ? (ANTHROPIC_STATUS[error.type] ?? 500) : 500;
  return { status, body: { type: "error", error: { type: error.type ?? "api_error", message: typeof error.message === "string" ? error.message : "upstream stream failed" } } };
}

function judgeChat(event: SseEvent): Verdict {
  if (event.data === "[DONE]") return "answer";
  const chunk = parse(event.data);
  if (!chunk) return "answer";
  const error = asRecord(chunk.error);
  if (error) return { status: openaiErrorStatus(error), body: { error } };
  const choices = Array.isArray(chunk.choices) ? chunk.choices : undefined;
  // A chunk without choices (usage, a provider's own notice) opens nothing; the first choice's
  // delta with only its role (and empty content) is the preamble every Chat stream starts with.
  if (!choices || choices.length === 0) return chunk.usage != null ? "answer" : "preamble";
  for (const choice of choices) {
    const { delta, finish_reason: finish } = asRecord(choice) ?? {};
    if (finish != null) return "answer";
    const fields = asRecord(delta) ?? {};
    for (const [name, value] of Object.entries(fields)) {
      if (name === "role" || value === null || value === "" || (Array.isArray(value) && value.length === 0)) continue;
      return "answer";
    }
  }
  return "preamble";
}

function judgeResponses(event: SseEvent): Verdict {
  const data = parse(event.data);
  const type = data?.type ?? event.event;
  if (type === "response.created" || type === "response.in_progress" || type === "response.queued") return "preamble";
  if (type === "response.failed") {
    const error = asRecord(asRecord(data?.response)?.error) ?? {};
    return { status: openaiErrorStatus(error), body: { error: { message: error.message ?? "upstream response failed", type: error.type ?? null, code: error.code ?? null, param: null } } };
  }
  if (type === "error") {
    const error = data ?? {};
    return { status: openaiErrorStatus(error), body: { error: { message: error.message ?? "upstream stream failed", type: error.type ?? null, code: error.code ?? null, param: error.param ?? null } } };
  }
  return "answer";
}

/**
 * The HTTP status an OpenAI-style error object in a stream stands for: OpenRouter puts it in
 * `code`; OpenAI and compatible servers name the kind in `code` or `type`.
 */
function openaiErrorStatus(error: Record<string, unknown>): number {
  const { code, type } = error;
  if (typeof code === "number" && code >= 400 && code <= 599) return code;
  const kind = `${typeof code === "string" ? code : ""} ${typeof type === "string" ? type : ""}`;
  if (/quota|rate_limit|too_many/i.test(kind)) return 429;
  if (/context_length|invalid|bad_request/i.test(kind)) return 400;
  if (/auth|api_key/i.test(kind)) return 401;
  if (/overloaded|unavailable|capacity/i.test(kind)) return 503;
  if (/timeout/i.test(kind)) return 504;
  return 500;
}

/** `pending`'s result, or undefined once `ms` pass first. */
async function within<T>(pending: Promise<T>, ms: number): Promise<T | undefined> {
  if (ms <= 0) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The body after its opening: the held chunks one by one, the read in progress, then the upstream's own reads. */
function resumeWith(held: Uint8Array[], pending: Promise<IteratorResult<Uint8Array>> | undefined, body: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  let inProgress = pending;
  const resumed: AsyncGenerator<Uint8Array> = {
    next() {
      const chunk = held.shift();
      if (chunk) return Promise.resolve({ done: false, value: chunk });
      if (inProgress) {
        const read = inProgress;
        inProgress = undefined;
        return read;
      }
      return body.next();
    },
    return(value) {
      held.length = 0;
      inProgress = undefined;
      return body.return(value);
    },
    throw(error) {
      return body.throw(error);
    },
    [Symbol.asyncIterator]() {
      return resumed;
    },
  } as AsyncGenerator<Uint8Array>;
  return resumed;
}
