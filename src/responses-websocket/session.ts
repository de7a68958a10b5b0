/**
 * One Responses WebSocket connection (OpenAI's WebSocket mode, which Codex's built-in provider
 * and the OpenAI SDKs' `responses.connect()` use). The client sends `response.create` events;
 * each is one turn, served one at a time in the order received, exactly as a streamed
 * POST /v1/responses from the same caller would be: same authentication, routing, translation,
 * ledger row and store. The connection only adds the continuation of its previous response
 * (continuation.ts) and `generate: false` warm-ups.
 */
import { makeId } from "../providers/loopback/reply";
import { type ContinuationState, continuationAfter, expandContinuation, inputItems } from "./continuation";
import { errorFrame, errorFrameFromAnswer, relayStream } from "./turn-frames";

type Json = Record<string, unknown>;

/**
 * Serves one turn as POST /v1/responses with this JSON body (always streamed); with
 * `echoPreviousResponseId`, the stored response says that previous_response_id (the socket
 * expanded the continuation, so the body no longer names it).
 */
export type TurnServer = (body: string, signal: AbortSignal, echoPreviousResponseId?: string) => Promise<Response>;

/** The socket, as far as a session needs it. */
export interface SocketSink {
  send(frame: string): void;
  close(code: number, reason: string): void;
}

const BACKGROUND_OVER_WEBSOCKET = "background is not supported over WebSocket (as in OpenAI's WebSocket mode): create a background response with POST /v1/responses and poll GET /v1/responses/{id}, or send this turn without background";
const invalidRequest = (message: string, param: string | null = null, code: string | null = null) => ({ type: "invalid_request_error", code, message, param });

export class ResponsesSocketSession {
  private turns: Promise<void> = Promise.resolve();
  private last: ContinuationState | undefined;
  private running: AbortController | undefined;
  private open = true;
  private closeWhenIdle = false;

  constructor(
    private readonly serveTurn: TurnServer,
    private readonly socket: SocketSink,
    private readonly logFailure: (error: unknown) => void,
  ) {}

  /** True while a turn is being served. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** A client message: queued behind the turn in progress, if any. */
  receive(message: unknown): void {
    this.turns = this.turns.then(() => (this.open ? this.runTurn(message) : undefined));
  }

  /** The client went away: the turn in progress is abandoned (its row says client_closed). */
  clientClosed(): void {
    this.open = false;
    this.running?.abort();
  }

  /**
   * The gateway is stopping: close now when idle, else once the turn in progress has ended
   * (the drain's grace period bounds that turn like any other stream).
   */
  drain(): void {
    this.closeWhenIdle = true;
    if (!this.running) this.goAway();
  }

  private goAway(): void {
    if (!this.open) return;
    this.open = false;
    this.socket.close(1001, "gateway shutting down");
  }

  private send(frame: string): void {
    if (this.open) this.socket.send(frame);
  }

  private async runTurn(message: unknown): Promise<void> {
    const running = new AbortController();
    this.running = running;
    try {
      await this.serve(message, running.signal);
    } catch (error) {
      if (running.signal.aborted) return;
      this.logFailure(error);
      this.send(errorFrame(500, { type: "server_error", code: "internal_error", message: "internal gateway error", param: null }));
    } finally {
      this.running = undefined;
      if (this.closeWhenIdle) this.goAway();
    }
  }

  private async serve(message: unknown, signal: AbortSignal): Promise<void> {
    if (typeof message === "string") return this.send(errorFrame(400, invalidRequest("message is not valid JSON", null, "invalid_json")));
    if (message === null || typeof message !== "object" || Array.isArray(message)) return this.send(errorFrame(400, invalidRequest("message must be a JSON object")));
    const { type, generate, ...fields } = message as Json;
    if (type !== "response.create") {
      return this.send(errorFrame(400, invalidRequest(`unsupported event type ${JSON.stringify(type)}: this connection accepts response.create`, "type", "unsupported_event_type")));
    }
    // OpenAI's WebSocket mode does not take background either (its response.create reference says
    // so): the socket is the stream of the turn, and a background run outlives any socket. Refused
    // as an unsupported parameter, naming where background responses are made.
    if (fields.background === true) return this.send(errorFrame(400, invalidRequest(BACKGROUND_OVER_WEBSOCKET, "background", "unsupported_parameter")));
    const request = expandContinuation(fields, this.last);
    if (generate === false) return this.warmUp(request, fields.previous_response_id);

    // Expanded here from the connection's memory: the frames and the stored response echo the id the client sent.
    const echoPreviousId = request !== fields && typeof fields.previous_response_id === "string" ? fields.previous_response_id : undefined;
    const answer = await this.serveTurn(JSON.stringify({ ...request, stream: true }), signal, echoPreviousId);
    if (!(answer.headers.get("content-type") ?? "").includes("text/event-stream")) {
      // A refusal (auth, validation, routing, an upstream error before the stream began).
      return this.send(await errorFrameFromAnswer(answer));
    }
    const final = await relayStream(answer, (frame) => this.send(frame), signal, echoPreviousId);
    if (final && final.status !== "failed") this.last = continuationAfter(request, final) ?? this.last;
  }

  /**
   * `generate: false`: no model call and no ledger row, only a response id that the next turn
   * can continue, holding this request's input (OpenAI uses it to prepare a turn's state early).
   */
  private warmUp(request: Json, sentPreviousId: unknown): void {
    const response = {
      id: makeId("resp_"),
      object: "response",
      created_at: Math.floor(Date.now() / 1000),
      status: "completed",
      error: null,
      incomplete_details: null,
      model: request.model ?? null,
      // As sent, as OpenAI echoes it, even when the connection expanded it.
      previous_response_id: typeof sentPreviousId === "string" ? sentPreviousId : null,
      output: [],
      usage: { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 },
    };
    this.send(JSON.stringify({ type: "response.created", sequence_number: 0, response: { ...response, status: "in_progress", usage: null } }));
    this.send(JSON.stringify({ type: "response.completed", sequence_number: 1, response }));
    // Stored nowhere: a warm-up that continued a stored response is kept as that id plus its input.
    const previous = request.previous_response_id;
    this.last = { responseId: response.id, items: inputItems(request.input), ...(typeof previous === "string" ? { previousResponseId: previous } : {}) };
  }
}
