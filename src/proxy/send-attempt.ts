import { errorFromUpstreamStatus, GatewayError } from "../errors/gateway-error";
import { hideSecretValues, scrubSecrets } from "../log/logger";
import { quoteClientValue } from "../protocols/wire-values";
import { upstreamHeaders, upstreamUrl } from "../providers/endpoints";
import { answerLoopback } from "../providers/loopback";
import { callUpstream, type UpstreamCall } from "../upstream/client";
import { upstreamOperationFor } from "./operation";
import { findContextWindow } from "./context-window-refusals";
import { findOutputCap } from "./output-cap-refusals";
import { readRateLimitHeaders } from "./rate-limit-headers";
import { findRefusedFields, refusesOnlyValue } from "./refused-fields";
import type { ModelRequest, ProxyDeps } from "./types";
import { lowerOutputCap, OUTPUT_CAP_FIELDS, type PreparedAttempt } from "./upstream-request";
import type { OpeningError, PrimedBody } from "./stream-opening";
import { openStream } from "./open-stream";
import { readRetryHint } from "../protocols/openai-responses/errors";

/** A successful upstream answer (status < 400), body not yet read (a stream's: its opening read, in `opened`). */
export interface UpstreamAnswer {
  call: UpstreamCall;
  apiKey?: string;
  /** A streamed answer's body with its opening read (open-stream.ts), when the attempt opens a stream. */
  opened?: PrimedBody;
}

/** An upstream refusal, from an HTTP error status or from the error a 200 stream opened with. */
interface Refusal {
  status: number;
  /** The error body as text, secrets scrubbed. */
  text: string;
  retryAfter: number | undefined;
  /** The stream's opening held it (relayed as JSON whatever the stream's content type said). */
  inOpening: boolean;
}

/** An upstream error answer, read and classified; `relay` holds the body for a same-protocol client. */
export class UpstreamFailure extends Error {
  constructor(
    readonly error: GatewayError,
    readonly relay?: { status: number; body: string; contentType: string },
    /** The upstream's rate-limit headers (rate-limit-headers.ts), for a relayed or a translated error. */
    readonly rateLimitHeaders: Record<string, string> = {},
    /** The context window a "prompt too long" refusal named (context-window-refusals.ts). */
    readonly contextWindow?: number,
  ) {
    super(error.message);
  }
}

/**
 * Send one prepared attempt; with `opensStream`, read the stream's opening too (stream-opening.ts),
 * and an error found there is the refusal it stands for, handled as that HTTP status is (a 429
 * rotates keys). Throws GatewayError (network) or UpstreamFailure (an upstream refusal).
 */
export async function sendAttempt(request: ModelRequest, attempt: PreparedAttempt, deps: ProxyDeps, opensStream = false): Promise<UpstreamAnswer> {
  const { target } = attempt;
  const operation = upstreamOperationFor(request.operation, target.upstreamProtocol);
  if (target.provider === "loopback") {
    const call = wrapLocalResponse(answerLoopback(operation, attempt.bodyObject, target.upstreamModel, request.responseId));
    if (!opensStream) return { call };
    const opening = await openStream(call, attempt, deps.config.streamOpeningWindowMs);
    if ("opening" in opening) throw openingFailure(attempt, call, refusalOfOpening(opening.opening, call, []));
    return { call, opened: opening.body };
  }
  const provider = target.provider;
  const ring = deps.keyRings.get(provider.name);
  const native = !attempt.translator;
  const url = upstreamUrl(provider, operation, native && operation.startsWith("anthropic") ? request.query : "");
  const streamed = attempt.bodyObject.stream === true;
  // A 429 sets its key aside; while the provider has another key that is not cooling down, the
  // same request goes again with that one (each key at most once), before any failover.
  // A refusal of optional fields the gateway chose goes again without them (refused-fields.ts).
  let refusals = 0;
  for (let tries = 1; ; tries++) {
    const apiKey = ring?.next();
    const headers = upstreamHeaders(provider, operation, apiKey, request.headers, native);
    const call = await callUpstream(url, { headers, body: attempt.body, streamed, provider: provider.name }, request.signal, deps.config.upstream, request.stop);
    let refusal: Refusal;
    if (call.status < 400) {
      if (!opensStream) return { call, apiKey };
      const opening = await openStream(call, attempt, deps.config.streamOpeningWindowMs);
      if ("body" in opening) return { call, apiKey, opened: opening.body };
      refusal = refusalOfOpening(opening.opening, call, provider.apiKeys);
    } else {
      // An upstream may echo the key it was sent in its error ("Invalid API key provided: …"):
      // the body goes to the client (relayed or translated) and the message to the log, and a
      // team member must never learn the provider key that way.
      const text = scrubSecrets(hideSecretValues(await readAll(call).catch(() => ""), provider.apiKeys));
      refusal = { status: call.status, text, retryAfter: retryAfterOf(call), inOpening: false };
    }
    const { status, text, retryAfter } = refusal;
    if (status === 429 && ring && apiKey) {
      // A key whose quota or credit is used up stays so for longer than a rate limit's retry-after.
      ring.coolDown(apiKey, QUOTA_WORDING.test(text) ? REFUSED_KEY_SET_ASIDE_SECONDS : retryAfter);
      if (tries < ring.size && ring.hasAlternativeTo(apiKey)) continue;
    }
    // A key the provider refuses (revoked, mistyped, its project deleted) among several: set
    // aside for a while and the same request goes with the next one, instead of failing every
    // request that key's turn comes round to (reliability-anchors §2.7).
    if (status === 401 && ring && apiKey && ring.size > 1) {
      ring.coolDown(apiKey, REFUSED_KEY_SET_ASIDE_SECONDS);
      deps.logger.warn({ requestId: request.requestId, provider: provider.name }, `provider ${provider.name} refused one of its API keys (401): that key is set aside for ${REFUSED_KEY_SET_ASIDE_SECONDS / 60} minutes`);
      if (tries < ring.size && ring.hasAlternativeTo(apiKey)) continue;
    }
    if ((status === 400 || status === 422) && refusals < MAX_REFUSAL_RETRIES && (leaveOutRefusedFields(request, attempt, deps, text) || lowerRefusedOutputCap(request, attempt, deps, text))) {
      refusals++;
      tries--; // not a key rotation
      continue;
    }
    if (refusal.inOpening) throw openingFailure(attempt, call, refusal);
    throw upstreamFailure(attempt, call, status, text, retryAfter, native, learnContextWindow(request, attempt, deps, status, text));
  }
}

/**
 * A refusal of a prompt too long for the model names its window: remembered for the provider's
 * model, so `truncation: "auto"` trims to it (truncation.ts), on this request's next try and later ones.
 */
function learnContextWindow(request: ModelRequest, attempt: PreparedAttempt, deps: ProxyDeps, status: number, errorText: string): number | undefined {
  if (status !== 400 && status !== 413) return undefined;
  const window = findContextWindow(errorText);
  if (window === undefined || !deps.refusedFields) return window;
  const { providerName, upstreamModel } = attempt.target;
  if (deps.refusedFields.rememberContextWindow(providerName, upstreamModel, window)) {
    deps.logger.info({ requestId: request.requestId, provider: providerName, model: upstreamModel, contextWindow: window }, `provider ${providerName} gives ${upstreamModel} a context window of ${window} tokens: truncation "auto" trims to it from now on`);
  }
  return window;
}

/** How long a key the provider refused (401) is left out of its ring: long enough to stop failing requests, short enough that a key the operator fixes comes back. */
const REFUSED_KEY_SET_ASIDE_SECONDS = 300;

/** How providers say a 429 is an exhausted quota or credit rather than a rate limit (E03). */
const QUOTA_WORDING = /insufficient_quota|billing_error|credit balance is too low/i;

/** Retries for refused fields per attempt: each leaves out at least one field, so few are needed. */
const MAX_REFUSAL_RETRIES = 3;

/**
 * The fields the upstream's error names among those the attempt may go without: left out of
 * the body, and remembered for the provider's model. False when it names none.
 */
function leaveOutRefusedFields(request: ModelRequest, attempt: PreparedAttempt, deps: ProxyDeps, errorText: string): boolean {
  const present = attempt.droppable.filter((field) => field in attempt.bodyObject);
  const refused = present.length > 0 && deps.refusedFields ? findRefusedFields(errorText, present) : [];
  if (refused.length === 0) return false;
  const { providerName, upstreamModel } = attempt.target;
  for (const field of refused) {
    // A refused value ("does not support 'xhigh'") is remembered as that value: the model still
    // takes the field with others, which later requests (other clients' too) keep.
    const value = attempt.bodyObject[field];
    const valueOnly = refusesOnlyValue(errorText, field, value);
    delete attempt.bodyObject[field];
    const first = deps.refusedFields!.remember(providerName, upstreamModel, field, valueOnly ? value : undefined);
    // The value is the client's (a translated reasoning_effort goes as sent): quoted in part.
    const shown = typeof value === "string" ? quoteClientValue(value) : value;
    const details = { requestId: request.requestId, provider: providerName, model: upstreamModel, field, ...(valueOnly ? { value: shown } : {}) };
    const message = valueOnly
      ? `provider ${providerName} refused ${field} ${JSON.stringify(shown)} for ${upstreamModel}: sent again without it, and left out of later requests to this model with that value`
      : `provider ${providerName} refused ${field} for ${upstreamModel}: sent again without it, and left out of later requests to this model`;
    if (first) deps.logger.warn(details, message);
    else deps.logger.debug(details, message);
  }
  attempt.body = JSON.stringify(attempt.bodyObject);
  return true;
}

/**
 * A translated Chat request whose output cap the upstream refuses, with the largest it takes:
 * lowered to it (remembered when it is the model's own maximum). False when the error names none.
 */
function lowerRefusedOutputCap(request: ModelRequest, attempt: PreparedAttempt, deps: ProxyDeps, errorText: string): boolean {
  if (!attempt.translator || attempt.target.upstreamProtocol !== "openai-chat" || !deps.refusedFields) return false;
  const requested = OUTPUT_CAP_FIELDS.map((field) => attempt.bodyObject[field]).find((value): value is number => typeof value === "number");
  const refusal = requested === undefined ? undefined : findOutputCap(errorText, requested);
  if (!refusal) return false;
  const { providerName, upstreamModel } = attempt.target;
  lowerOutputCap(attempt.bodyObject, refusal.cap);
  attempt.body = JSON.stringify(attempt.bodyObject);
  const first = refusal.fixed && deps.refusedFields.rememberOutputCap(providerName, upstreamModel, refusal.cap);
  const details = { requestId: request.requestId, provider: providerName, model: upstreamModel, requested, cap: refusal.cap };
  if (first) deps.logger.warn(details, `provider ${providerName} takes at most ${refusal.cap} output tokens for ${upstreamModel}: sent again with that cap, and used for later requests to this model`);
  else deps.logger.debug(details, `output cap lowered to what ${providerName} takes for ${upstreamModel}`);
  return true;
}

/**
 * An error that opened a 200 stream before any of the answer (stream-opening.ts), as the
 * refusal of its status. Its wait is the answer's retry-after, else the one its message names
 * ("Please try again in 20s", E02): a key it limits is set aside that long.
 */
function refusalOfOpening(opening: OpeningError, call: UpstreamCall, keys: readonly string[]): Refusal {
  const message = (opening.body.error as { message?: unknown } | undefined)?.message;
  const retryAfter = retryAfterOf(call) ?? (typeof message === "string" ? readRetryHint(message) : undefined);
  return { status: opening.status, text: scrubSecrets(hideSecretValues(JSON.stringify(opening.body), keys)), retryAfter, inOpening: true };
}

/**
 * The same failure as the opening's error answered with its status, so the route fails over or
 * the client gets the status (and, on a native route, the upstream's error body) instead of a 200 stream.
 */
function openingFailure(attempt: PreparedAttempt, call: UpstreamCall, refusal: Refusal): UpstreamFailure {
  const failure = upstreamFailure(attempt, call, refusal.status, refusal.text, refusal.retryAfter, !attempt.translator, undefined);
  // The relayed body is JSON whatever the stream's own content type said.
  return failure.relay ? new UpstreamFailure(failure.error, { ...failure.relay, contentType: "application/json" }, failure.rateLimitHeaders) : failure;
}

function upstreamFailure(attempt: PreparedAttempt, call: UpstreamCall, status: number, text: string, retryAfter: number | undefined, native: boolean, contextWindow: number | undefined): UpstreamFailure {
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // non-JSON error bodies are kept as text
  }
  const error = attempt.translator
    ? attempt.translator.translateError(status, parsed, call.headers)
    : errorFromUpstreamStatus(status, scrubSecrets(extractMessage(parsed, status)), { retryAfter, ...upstreamErrorKind(parsed) });
  // Only a JSON error body is relayed as written: a proxy's HTML page, plain text or an empty body
  // would reach an SDK that parses the error as JSON, so those are rendered in the client's shape.
  const relayable = native && parsed !== null && typeof parsed === "object";
  const relay = relayable ? { status, body: text, contentType: call.headers.get("content-type") ?? "application/json" } : undefined;
  return new UpstreamFailure(error, relay, readRateLimitHeaders(call.headerPairs), contextWindow);
}

/** The answer's retry-after in seconds. OpenAI's SDKs read retry-after-ms before retry-after; an upstream may send only the former. */
function retryAfterOf(call: UpstreamCall): number | undefined {
  return parseRetryAfter(call.headers.get("retry-after")) ?? parseRetryAfterMs(call.headers.get("retry-after-ms"));
}

/** `retry-after-ms` as seconds, or undefined when absent or not a number. */
function parseRetryAfterMs(value: string | null): number | undefined {
  const ms = value ? Number(value) : Number.NaN;
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined;
}

/**
 * The upstream's own error type and code from a relayed body (OpenAI's `error.type`/`error.code`,
 * Anthropic's `error.type`): the relay keeps the body for the client, and these let the gateway
 * tell an exhausted quota (`insufficient_quota`, `billing_error`) from a rate limit, which share 429.
 */
function upstreamErrorKind(parsed: unknown): { upstreamType?: string; upstreamCode?: string } {
  const error = (parsed as { error?: unknown } | null)?.error;
  if (error === null || typeof error !== "object") return {};
  const { type, code } = error as { type?: unknown; code?: unknown };
  return { ...(typeof type === "string" ? { upstreamType: type } : {}), ...(typeof code === "string" ? { upstreamCode: code } : {}) };
}

/** Loopback answers are local Responses; give them the same shape as an upstream call. */
function wrapLocalResponse(response: Response): UpstreamCall {
  return {
    status: response.status,
    headers: response.headers,
    headerPairs: response.headers,
    abort: () => undefined,
    async *readBody() {
      const reader = response.body?.getReader();
      if (!reader) return;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    },
    readText: () => response.text(),
  };
}

export async function readAll(call: UpstreamCall): Promise<string> {
  return call.readText();
}

export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

function extractMessage(body: unknown, status: number): string {
  const error = (body as { error?: unknown })?.error;
  if (typeof error === "string") return error;
  const message = (error as { message?: unknown } | undefined)?.message;
  if (typeof message === "string") return message;
  if (typeof body === "string" && body.length > 0) return body.slice(0, 500);
  return `upstream answered HTTP ${status}`;
}

export { GatewayError };
