/**
 * A scriptable mock upstream speaking OpenAI Chat, Responses, embeddings and Anthropic Messages
 * (streaming and not), with both counting endpoints (count_tokens, /responses/input_tokens). It records every request it receives and can misbehave on request:
 * error statuses, connection resets, stalls, truncated streams. Tests only: the product talks
 * to real providers through configuration.
 */
import type { Server } from "bun";

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: any;
  /** Set when the client went away before the mock finished answering. */
  aborted: boolean;
}

/** One scripted answer. Unscripted requests get a default text answer in the protocol of the path. */
export interface MockScript {
  /** HTTP status (default 200). */
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body (non-streaming answer or error body). */
  json?: unknown;
  /** A body sent as it is, not as JSON (a proxy's HTML error page, an empty body). */
  rawBody?: string;
  /** Raw SSE events to stream: each item is sent as one write. */
  events?: Array<string | { event?: string; data: unknown }>;
  /** Milliseconds between streamed events (default 0). */
  intervalMs?: number;
  /** Milliseconds before answering at all. */
  delayMs?: number;
  /** Stop sending (but keep the connection open) after this many events. */
  stallAfter?: number;
  /** Never answer (hold the request open). */
  stall?: boolean;
  /** Send a JSON answer's status and headers, then hold its body back (no byte ever comes). */
  stallBody?: boolean;
  /** Send headers, then break the connection before any body byte. */
  reset?: boolean;
  /** End the stream after this many events (no terminal event). */
  truncateAfter?: number;
}

export interface MockUpstream {
  url: string;
  /** OpenAI-style base URL (with /v1). */
  openaiBaseUrl: string;
  requests: RecordedRequest[];
  /** Queue scripts answered in order (per any path). */
  enqueue(...scripts: MockScript[]): void;
  /** Text the default answers reply with. */
  setDefaultText(text: string): void;
  /** Milliseconds between the events of default streamed answers (default 0). */
  setDefaultIntervalMs(ms: number): void;
  /**
   * Answer by looking at the request (agent loops whose order a client decides): consulted after
   * the queue; returning undefined falls back to the default answer. Pass undefined to remove.
   */
  setResponder(responder: MockResponder | undefined): void;
  /** OpenAI's background mode (POST /v1/responses with background: true when nothing is queued). */
  background: MockBackground;
  stop(): Promise<void>;
}

/** A background run the mock holds, as OpenAI does: queued, in progress, then final. */
export interface MockBackgroundRun {
  id: string;
  status: string;
  /** GET /v1/responses/{id} calls so far. */
  polls: number;
  /** The streamed events, when created with stream: true (also what GET ?stream=true replays). */
  events: Array<{ event: string; data: Json }>;
  final: Json;
}

export interface MockBackground {
  runs: Map<string, MockBackgroundRun>;
  /** GETs of a run that still show it running (queued on the first, then in_progress); the next one shows it final (default 2). */
  pollsUntilDone: number;
  /** Never finish (for cancelling); default false. */
  hold: boolean;
  /** How a run ends: completed (default) or failed. */
  outcome: "completed" | "failed";
  /** Milliseconds between the events of a streamed background run (default 0). */
  streamIntervalMs: number;
}

type Json = Record<string, any>;

const TERMINAL_STATUSES = new Set(["completed", "incomplete", "failed", "cancelled"]);

/** The mock's answer to background-mode calls, or undefined for anything else. */
function answerBackground(background: MockBackground, method: string, path: string, query: URLSearchParams, body: Json, text: string, nextId: () => string): MockScript | undefined {
  const single = /^\/v1\/responses\/([^/]+)$/.exec(path);
  const cancel = /^\/v1\/responses\/([^/]+)\/cancel$/.exec(path);
  const notFound = (id: string): MockScript => ({ status: 404, json: { error: { message: `No response found with id '${id}'.`, type: "invalid_request_error", param: null, code: null } } });
  if (method === "POST" && path === "/v1/responses" && body?.background === true) {
    const id = nextId();
    const model = String(body.model);
    const base = { id, object: "response", created_at: 1700000000, model, background: true, output: [] as unknown[], usage: null as unknown, error: null };
    const item = { id: `msg_${id}`, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] };
    const usage = { input_tokens: mockUsage.input, input_tokens_details: { cached_tokens: mockUsage.cached }, output_tokens: mockUsage.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: mockUsage.input + mockUsage.output };
    const final =
      background.outcome === "failed"
        ? { ...base, status: "failed", error: { code: "server_error", message: "The model failed." } }
        : { ...base, status: "completed", output: [item], usage };
    let seq = 0;
    const ev = (type: string, payload: Json) => ({ event: type, data: { type, sequence_number: seq++, ...payload } });
    const events = [
      ev("response.created", { response: { ...base, status: "queued" } }),
      ev("response.queued", { response: { ...base, status: "queued" } }),
      ev("response.in_progress", { response: { ...base, status: "in_progress" } }),
      ev("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } }),
      ...(text.match(/\S+\s*/g) ?? [text]).map((delta) => ev("response.output_text.delta", { item_id: item.id, output_index: 0, content_index: 0, delta })),
      ev("response.output_item.done", { output_index: 0, item }),
      ev(background.outcome === "failed" ? "response.failed" : "response.completed", { response: final }),
    ];
    const run: MockBackgroundRun = { id, status: "queued", polls: 0, events, final };
    background.runs.set(id, run);
    if (body.stream === true) return { events, intervalMs: background.streamIntervalMs };
    return { json: { ...base, status: "queued" } };
  }
  if (method === "GET" && single) {
    const run = background.runs.get(single[1]!);
    if (!run) return notFound(single[1]!);
    run.polls += 1;
    if (query.get("stream") === "true") {
      const after = Number(query.get("starting_after") ?? -1);
      if (!TERMINAL_STATUSES.has(run.status) && !background.hold) run.status = run.final.status;
      return { events: run.events.filter((event) => event.data.sequence_number > after) };
    }
    if (!TERMINAL_STATUSES.has(run.status)) run.status = !background.hold && run.polls > background.pollsUntilDone ? run.final.status : run.polls === 1 ? "queued" : "in_progress";
    return { json: stateOf(run) };
  }
  if (method === "POST" && cancel) {
    const run = background.runs.get(cancel[1]!);
    if (!run) return notFound(cancel[1]!);
    if (!TERMINAL_STATUSES.has(run.status)) run.status = "cancelled";
    return { json: stateOf(run) };
  }
  return undefined;
}

function stateOf(run: MockBackgroundRun): Json {
  const running = { ...run.final, status: run.status, output: [], usage: null, error: null };
  if (run.status === "cancelled") return running;
  return TERMINAL_STATUSES.has(run.status) ? run.final : running;
}

export type MockResponder = (request: RecordedRequest) => MockScript | undefined;

function sseText(item: string | { event?: string; data: unknown }): string {
  if (typeof item === "string") return item;
  const data = typeof item.data === "string" ? item.data : JSON.stringify(item.data);
  return `${item.event ? `event: ${item.event}\n` : ""}data: ${data}\n\n`;
}

/** Default usage figures the mock reports; tests compare the ledger against them. */
export const mockUsage = { input: 11, output: 7, cached: 3 };

/** What the mock's counting endpoints answer: Anthropic's count_tokens and OpenAI's /responses/input_tokens (distinct, so a test sees which was asked). */
export const mockCounts = { anthropic: 42, responses: 77 };

export function defaultChatEvents(model: string, text: string, includeUsage: boolean): MockScript["events"] {
  const base = { id: "chatcmpl-mock", object: "chat.completion.chunk", created: 1700000000, model };
  const words = text.match(/\S+\s*/g) ?? [text];
  const events: Array<{ data: unknown }> = [{ data: { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] } }];
  for (const word of words) events.push({ data: { ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] } });
  events.push({ data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] } });
  if (includeUsage) {
    events.push({ data: { ...base, choices: [], usage: { prompt_tokens: mockUsage.input, completion_tokens: mockUsage.output, total_tokens: mockUsage.input + mockUsage.output, prompt_tokens_details: { cached_tokens: mockUsage.cached } } } });
  }
  return [...events, { data: "[DONE]" }];
}

export function defaultAnthropicEvents(model: string, text: string): MockScript["events"] {
  const words = text.match(/\S+\s*/g) ?? [text];
  const ev = (type: string, payload: Json) => ({ event: type, data: { type, ...payload } });
  return [
    ev("message_start", { message: { id: "msg_mock", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: mockUsage.input - mockUsage.cached, cache_read_input_tokens: mockUsage.cached, cache_creation_input_tokens: 0, output_tokens: 1 } } }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ...words.map((word) => ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: word } })),
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: mockUsage.output } }),
    ev("message_stop", {}),
  ];
}

/**
 * Responses log probabilities for the mock's text, one token per delta (logprob -0.1 × position),
 * with `top` alternatives each: the delta events' shape (no bytes) or the output_text part's.
 */
export function mockResponsesLogprobs(deltas: string[], top: number, withBytes: boolean): Json[] {
  const bytes = (token: string) => (withBytes ? { bytes: Array.from(new TextEncoder().encode(token)) } : {});
  return deltas.map((token, i) => ({
    token,
    ...bytes(token),
    logprob: -0.1 * (i + 1),
    top_logprobs: Array.from({ length: top }, (_, k) => ({ token: `${token.trim()}~${k}`, ...bytes(`${token.trim()}~${k}`), logprob: -1 - k })),
  }));
}

/**
 * `deltas`: the text's pieces as streamed (default: word by word). `logprobs`: the `top_logprobs`
 * count when the request included `message.output_text.logprobs` (else none are sent, as by OpenAI).
 */
export function defaultResponsesEvents(model: string, text: string, options: { deltas?: string[]; logprobs?: number } = {}): MockScript["events"] {
  let seq = 0;
  const ev = (type: string, payload: Json) => ({ event: type, data: { type, sequence_number: seq++, ...payload } });
  const usage = { input_tokens: mockUsage.input, input_tokens_details: { cached_tokens: mockUsage.cached }, output_tokens: mockUsage.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: mockUsage.input + mockUsage.output };
  const deltas = options.deltas ?? text.match(/\S+\s*/g) ?? [text];
  const logprobsOf = (withBytes: boolean) => (options.logprobs === undefined ? [] : mockResponsesLogprobs(deltas, options.logprobs, withBytes));
  const item = { id: "msg_mock", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [], logprobs: logprobsOf(true) }] };
  const response = { id: "resp_mock", object: "response", created_at: 1700000000, model, status: "in_progress", output: [] as unknown[], usage: null as unknown };
  const deltaLogprobs = logprobsOf(false);
  return [
    ev("response.created", { response }),
    ev("response.in_progress", { response }),
    ev("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } }),
    ev("response.content_part.added", { item_id: "msg_mock", output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }),
    ...deltas.map((delta, i) => ev("response.output_text.delta", { item_id: "msg_mock", output_index: 0, content_index: 0, delta, logprobs: deltaLogprobs.slice(i, i + 1) })),
    ev("response.output_text.done", { item_id: "msg_mock", output_index: 0, content_index: 0, text, logprobs: item.content[0]!.logprobs }),
    ev("response.content_part.done", { item_id: "msg_mock", output_index: 0, content_index: 0, part: item.content[0] }),
    ev("response.output_item.done", { output_index: 0, item }),
    ev("response.completed", { response: { ...response, status: "completed", output: [item], usage } }),
  ];
}

function defaultAnswer(path: string, body: Json, text: string): MockScript {
  const model = String(body?.model ?? "mock-model");
  const stream = body?.stream === true;
  if (path.endsWith("/chat/completions")) {
    if (stream) return { events: defaultChatEvents(model, text, body?.stream_options?.include_usage === true) };
    return { json: { id: "chatcmpl-mock", object: "chat.completion", created: 1700000000, model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { prompt_tokens: mockUsage.input, completion_tokens: mockUsage.output, total_tokens: mockUsage.input + mockUsage.output, prompt_tokens_details: { cached_tokens: mockUsage.cached } } } };
  }
  if (path.endsWith("/messages/count_tokens")) return { json: { input_tokens: mockCounts.anthropic } };
  if (path.endsWith("/responses/input_tokens")) return { json: { object: "response.input_tokens", input_tokens: mockCounts.responses } };
  if (path.endsWith("/messages")) {
    if (stream) return { events: defaultAnthropicEvents(model, text) };
    return { json: { id: "msg_mock", type: "message", role: "assistant", model, content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: mockUsage.input - mockUsage.cached, cache_read_input_tokens: mockUsage.cached, cache_creation_input_tokens: 0, output_tokens: mockUsage.output } } };
  }
  if (path.endsWith("/responses")) {
    const logprobs = Array.isArray(body?.include) && body.include.includes("message.output_text.logprobs") ? (body.top_logprobs ?? 0) : undefined;
    // OpenAI's own refusal of a count it cannot give (0 to 20), rather than the mock building a list that long.
    if (logprobs !== undefined && !(typeof logprobs === "number" && Number.isInteger(logprobs) && logprobs >= 0 && logprobs <= 20)) {
      return { status: 400, json: { error: { message: "Invalid 'top_logprobs': expected an integer from 0 to 20.", type: "invalid_request_error", param: "top_logprobs", code: "integer_above_max_value" } } };
    }
    const events = defaultResponsesEvents(model, text, logprobs === undefined ? {} : { logprobs })!;
    if (stream) return { events };
    const completed = events[events.length - 1] as { data: Json };
    return { json: completed.data.response };
  }
  if (path.endsWith("/embeddings")) {
    const inputs = Array.isArray(body?.input) ? body.input : [body?.input];
    return { json: { object: "list", model, data: inputs.map((_: unknown, index: number) => ({ object: "embedding", index, embedding: [0.1, 0.2, 0.3] })), usage: { prompt_tokens: mockUsage.input, total_tokens: mockUsage.input } } };
  }
  return { status: 404, json: { error: { message: `mock has no route ${path}` } } };
}

export async function startMockUpstream(): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: MockScript[] = [];
  let defaultText = "Hello from the mock upstream";
  let defaultIntervalMs = 0;
  let responder: MockResponder | undefined;
  const background: MockBackground = { runs: new Map(), pollsUntilDone: 2, hold: false, outcome: "completed", streamIntervalMs: 0 };
  let backgroundIds = 0;
  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const text = await request.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {}
      const recorded: RecordedRequest = { method: request.method, path: url.pathname, query: url.search, headers: Object.fromEntries(request.headers), body, aborted: false };
      requests.push(recorded);
      request.signal.addEventListener("abort", () => (recorded.aborted = true));
      const scripted = queue.shift() ?? responder?.(recorded) ?? answerBackground(background, request.method, url.pathname, url.searchParams, body, defaultText, () => `resp_bg_${++backgroundIds}`);
      const script = scripted ?? defaultAnswer(url.pathname, body, defaultText);
      if (script.delayMs) await Bun.sleep(script.delayMs);
      if (script.reset) {
        // Headers go out, then the connection breaks before any body byte.
        const broken = new ReadableStream<Uint8Array>({ pull: (controller) => controller.error(new Error("mock reset")) });
        return new Response(broken, { status: 200, headers: { "content-type": "text/event-stream" } });
      }
      if (script.stall) return new Promise<Response>((resolve) => request.signal.addEventListener("abort", () => resolve(new Response(null))));
      if (script.stallBody) {
        const held = new ReadableStream<Uint8Array>({
          pull: (controller) => new Promise<void>((resolve) => request.signal.addEventListener("abort", () => (controller.close(), resolve()))),
          cancel: () => void (recorded.aborted = true),
        });
        return new Response(held, { status: 200, headers: { "content-type": "application/json" } });
      }
      if (script.rawBody !== undefined) return new Response(script.rawBody, { status: script.status ?? 200, headers: script.headers });
      const fallback = script.events === undefined && script.json === undefined ? defaultAnswer(url.pathname, body, defaultText) : undefined;
      const events = script.events ?? fallback?.events;
      if (!events) {
        // A success script without a body (only headers, say) answers with the default one; an
        // error script without one keeps its empty body.
        const json = script.json ?? ((script.status ?? 200) < 400 ? fallback?.json : undefined);
        return new Response(JSON.stringify(json), { status: script.status ?? 200, headers: { "content-type": "application/json", ...script.headers } });
      }
      const encoder = new TextEncoder();
      let index = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (script.truncateAfter !== undefined && index >= script.truncateAfter) {
            controller.close();
            return;
          }
          if (script.stallAfter !== undefined && index >= script.stallAfter) {
            await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
            controller.close();
            return;
          }
          if (index >= events.length) {
            controller.close();
            return;
          }
          const intervalMs = script.intervalMs ?? (scripted ? 0 : defaultIntervalMs);
          if (index > 0 && intervalMs) await Bun.sleep(intervalMs);
          controller.enqueue(encoder.encode(sseText(events[index++]!)));
        },
        cancel() {
          recorded.aborted = true;
        },
      });
      return new Response(stream, { status: script.status ?? 200, headers: { "content-type": "text/event-stream", ...script.headers } });
    },
  });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    requests,
    enqueue: (...scripts) => queue.push(...scripts),
    setDefaultText: (text) => (defaultText = text),
    setDefaultIntervalMs: (ms) => (defaultIntervalMs = ms),
    setResponder: (next) => (responder = next),
    background,
    stop: async () => {
      server.stop(true);
    },
  };
}
