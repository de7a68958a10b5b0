import { anthropicCodec } from "../protocols/anthropic/codec";
import { emptyUsage, mergeUsage } from "../canonical/usage";
import { GatewayError, toGatewayError } from "../errors/gateway-error";
import { anthropicStatusFor } from "../errors/anthropic-shape";
import { renderErrorResponse } from "../errors/render";
import type { ResponseExchange } from "../responses-store/exchange";
import { requestIdHeaders } from "../http/request-id-headers";
import { requestLog } from "../log/logger";
import { SseDecoder } from "../streaming/sse-decoder";
import type { SseEvent } from "../streaming/sse-event";
import { usageFromResponseBody } from "../streaming/usage-tap";
import type { UpstreamCall } from "../upstream/client";
import type { RouteTarget } from "../routing/router";
import { lacksCredentials, providerKeySetting } from "../config/keyless-provider-warnings";
import { asksForResponsesFeature, serveResponsesFeature } from "./responses-features";
import { echoClientModel } from "./echo-model";
import { LedgerRecorder, type UsageEstimate } from "./ledger-recorder";
import { countedByGateway, estimateChatInputTokens, estimateResponsesInputTokens, inputTokensAnswer, inputTokensAnswerOf, lacksCountingEndpoint } from "./input-tokens";
import { countsTokens, upstreamOperationFor, wantsStream } from "./operation";
import { providerFailureOf } from "./provider-failure";
import { readRateLimitHeaders } from "./rate-limit-headers";
import { readAll, sendAttempt, UpstreamFailure } from "./send-attempt";
import { streamToClient } from "./stream-to-client";
import { fitContextWindow, truncatesInput } from "./truncation";
import { loadTokenTrimmer } from "../tokens/truncate-tokens";
import type { ModelRequest, ProxyDeps } from "./types";
import { type PreparedAttempt, prepareAttempt } from "./upstream-request";
import { type FetchedFiles, inlineFileUrls, needsFileUrlsInlined } from "./inline-file-urls";
import { WaitingRequestStop } from "./waiting-request-stop";
import { needsResponsesApi } from "./responses-only-needs";

/**
 * One model request end to end: resolve the route, try each target in order until one answers
 * (failover only before the first byte reaches the client, house rule 4), then relay or
 * translate the answer and record it in the ledger. Until it has its answer, a stopping
 * gateway may end it (drain-tracker.ts); it then answers with the gateway's error.
 */
export function handleModelRequest(request: ModelRequest, deps: ProxyDeps): Promise<Response> {
  // Not async itself: an async wrapper around the normal path would add a promise and a
  // microtask hop to every request for features only Responses requests ask for.
  if (asksForResponsesFeature(request)) return serveResponsesFeature(request, deps, serveModelRequest);
  return serveModelRequest(request, deps);
}

/** The normal path, without the Responses features (which call it for their own model calls). */
async function serveModelRequest(request: ModelRequest, deps: ProxyDeps): Promise<Response> {
  const stop = new WaitingRequestStop();
  const untrack = deps.drain.trackWaiting(stop);
  // The request object is this call's own (built per request by its route): its upstream calls
  // register with the stop, so a stopping gateway can abandon them.
  request.stop = stop;
  const recorder = new LedgerRecorder(request, deps);
  const log = requestLog(deps.logger, request.requestId);
  try {
    const route = deps.router.resolve(String(request.body.model), request.clientProtocol);
    // Responses API: the history behind previous_response_id, and the response to keep (no
    // other API has stored responses; the check spares the others a wait on the event loop).
    // input_tokens counts the same history, and keeps nothing.
    const exchange = deps.responses && (request.operation === "openai-responses" || request.operation === "openai-responses-input-tokens") ? await deps.responses.begin(request) : undefined;
    // Only keys and users with limits pay for them (an await and the database); a refusal is
    // caught below and answered 429 in the caller's protocol, with its ledger row. The prompt
    // estimate includes a stored history the request continues: the body alone may be one line.
    // A background run was admitted before it was queued (background-admission.ts).
    if (request.principal.limits && deps.limits) recorder.admit(request.preAdmission?.take() ?? (await deps.limits.admit(request, route, exchange?.bodyForEstimate())));
    const stream = wantsStream(request.operation, request.body);
    let lastFailure: UpstreamFailure | GatewayError | undefined;
    const health = deps.providerHealth;
    // Providers cooling down after failures go last (routing/provider-health.ts); while none
    // does, this is route.targets itself.
    const targets = health ? health.orderTargets(route.targets) : route.targets;
    // The last target an upstream call was made to: its failure is the one to report.
    let attempted: RouteTarget | undefined;
    // The provider whose failure moved the request on, counted as a failover once the next
    // attempt is actually made: the next target may be one this gateway cannot serve, skipped.
    let failedOver: string | undefined;
    // A target whose provider named its context window in a refusal gets one more try, trimmed to it.
    let refittedFor: RouteTarget | undefined;
    // Files read from client URLs for a Chat upstream, kept for the route's next target.
    let fetchedFiles: FetchedFiles | undefined;
    // Asked once, and only of a request one of whose targets has a Responses way (router.ts).
    let needsResponses: boolean | undefined;
    for (let position = 0; position < targets.length; position++) {
      let target = targets[position]!;
      // S09, CC03: a web search goes to the provider's Responses API, which serves it, not its Chat one.
      if (target.viaResponses && (needsResponses ??= needsResponsesApi(request.operation, request.body))) target = target.viaResponses;
      const isLast = position === targets.length - 1;
      recorder.setTarget(target, upstreamOperationFor(request.operation, target.upstreamProtocol));
      let attempt: PreparedAttempt;
      let attemptRequest = request;
      try {
        if (exchange) attemptRequest = exchange.requestFor(target);
        if (needsFileUrlsInlined(attemptRequest, target)) attemptRequest = await inlineFileUrls(attemptRequest, deps.config.fileUrls, (fetchedFiles ??= new Map()));
        attempt = prepareAttempt(attemptRequest, target, deps, log);
        // R09: a translated request with truncation:"auto" is fitted to the model's context window.
        if (truncatesInput(attemptRequest, attempt)) {
          const learnedWindow = deps.refusedFields?.contextWindowFor(target.providerName, target.upstreamModel);
          ({ request: attemptRequest, attempt } = await fitContextWindow(attemptRequest, attempt, (trimmed) => prepareAttempt(trimmed, target, deps, log), learnedWindow));
        }
        // CC02: an answer to a cap raised to the provider's minimum is trimmed back with the tokenizer.
        if (attempt.context.outputTrim !== undefined) await loadTokenTrimmer();
      } catch (error) {
        // A target this gateway cannot serve (untranslatable, or translation refused by
        // work_mode=passthrough): try the next one if any. When an earlier provider of the route
        // failed, its failure is the answer: a 400 saying the request cannot be translated would
        // blame the client for a provider's 5xx or 429, which a retry may get past.
        // A request truncation cannot fit into this target's window may fit the next one's.
        const refusal = toGatewayError(error);
        const unservable = refusal.code === "translation_unsupported" || refusal.code === "work_mode_conflict" || refusal.upstreamCode === "context_length_exceeded";
        if (unservable && !isLast) {
          lastFailure ??= refusal;
          continue;
        }
        if (unservable && lastFailure && attempted) {
          recorder.setTarget(attempted, upstreamOperationFor(request.operation, attempted.upstreamProtocol));
          break;
        }
        throw refusal;
      }
      attempted = target;
      if (failedOver !== undefined) deps.metrics?.countFailover(failedOver, target.providerName);
      failedOver = undefined;
      if (request.operation === "anthropic-count-tokens" && target.upstreamProtocol !== "anthropic" && target.provider !== "loopback") {
        return await respondTokenEstimate(request, deps, recorder);
      }
      if (request.operation === "openai-responses-input-tokens" && countedByGateway(target)) {
        return await respondTokenEstimate(attemptRequest, deps, recorder, () => estimateChatInputTokens(attempt.bodyObject));
      }
      // After its cooldown, one request probes a provider; it gives the probe back however it ends.
      const probe = health?.beginAttempt(target.providerName) ?? false;
      try {
        // A stream's opening is read inside the attempt: an error there is answered as its HTTP status would be (open-stream.ts).
        const answer = await sendAttempt(attemptRequest, attempt, deps, stream);
        if (answer.opened) {
          health?.recordSuccess(target.providerName);
          return streamToClient({ request: attemptRequest, deps, attempt, call: answer.call, body: answer.opened, recorder, log, exchange });
        }
        health?.recordSuccess(target.providerName);
        const rateLimits = readRateLimitHeaders(answer.call.headerPairs);
        // A server that ignores `stream: true` answers whole, which serves the client as well.
        if (attempt.collectStream && !answeredWhole(answer.call)) return await respondCollected(attemptRequest, attempt, answer.call, recorder, rateLimits, exchange);
        return await respondWhole(attemptRequest, attempt, await readAll(answer.call), recorder, rateLimits, exchange);
      } catch (error) {
        const failure = error instanceof UpstreamFailure ? error : toGatewayError(error);
        const gatewayError = failure instanceof UpstreamFailure ? failure.error : failure;
        if (gatewayError.status === 499) throw gatewayError; // the client left: nothing to fail over for
        if (request.operation === "openai-responses-input-tokens" && lacksCountingEndpoint(target, gatewayError)) {
          log.debug({ provider: target.providerName, status: gatewayError.status }, "the upstream has no /responses/input_tokens: the gateway estimates the count");
          const counted = attempt.bodyObject;
          return await respondTokenEstimate(attemptRequest, deps, recorder, () => estimateResponsesInputTokens(counted));
        }
        log.warn({ provider: target.providerName, model: target.upstreamModel, code: gatewayError.code, status: gatewayError.status }, `upstream attempt failed: ${gatewayError.message}${keylessRefusalHint(target, gatewayError.status)}`);
        lastFailure = failure;
        // R09: the provider refused the prompt as too long and named its window, which truncation
        // did not know: the same target once more, trimmed to it (nothing reached the client yet).
        if (failure instanceof UpstreamFailure && failure.contextWindow !== undefined && refittedFor !== target && truncatesInput(attemptRequest, attempt)) {
          refittedFor = target;
          position -= 1;
          continue;
        }
        const counted = health && providerFailureOf(failure);
        if (counted) health.recordFailure(target.providerName, counted);
        if (!isLast && gatewayError.failsOver) {
          recorder.noteFailover(target.providerName, gatewayError.code, gatewayError.status);
          failedOver = target.providerName;
          continue;
        }
        break;
      } finally {
        if (probe) health!.endProbe(target.providerName);
      }
    }
    return respondFailure(request, lastFailure ?? new GatewayError("upstream_error", 502, "no upstream answered"), recorder, stop);
  } catch (error) {
    // Anything that is not a catalogue error is a gateway fault the client sees only as
    // "internal gateway error": its cause must reach the log.
    if (!(error instanceof GatewayError)) deps.logger.error({ err: error, requestId: request.requestId }, "request failed inside the gateway");
    else if (error.status >= 500 && error.cause !== undefined) deps.logger.error({ err: error.cause, requestId: request.requestId, code: error.code }, `request failed: ${error.message}`);
    return respondFailure(request, toGatewayError(error), recorder, stop);
  } finally {
    // A stream has registered itself with the drain tracker by now (stream-to-client.ts).
    untrack();
    stop.settle();
  }
}

function answeredWhole(call: UpstreamCall): boolean {
  return (call.headers.get("content-type") ?? "").includes("application/json");
}

/** The list every answer of the upstream's protocol carries; without it a translation would invent an empty answer. */
const ANSWER_LIST_FIELD: Record<string, string> = { "openai-chat": "choices", anthropic: "content", "openai-responses": "output" };

function checkAnswerShape(parsed: unknown, upstreamProtocol: string): void {
  const field = ANSWER_LIST_FIELD[upstreamProtocol];
  if (field && !Array.isArray((parsed as Record<string, unknown> | null)?.[field])) {
    throw new GatewayError("upstream_error", 502, `upstream answer is not a ${upstreamProtocol} response (no ${field} list)`);
  }
}

async function respondWhole(request: ModelRequest, attempt: PreparedAttempt, text: string, recorder: LedgerRecorder, rateLimits: Record<string, string>, exchange?: ResponseExchange): Promise<Response> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError("upstream_error", 502, "upstream sent a response that is not JSON");
  }
  let body: string;
  // An upstream answer without usage gets an estimate (marked as such); counting tokens spends none.
  const reported = (parsed as { usage?: unknown } | null)?.usage != null;
  const estimate: UsageEstimate | undefined = countsTokens(request.operation)
    ? undefined
    : { final: reported, outputTokens: (estimators) => (request.operation === "openai-embeddings" ? 0 : estimators.estimateOutputTokens(parsed)) };
  if (attempt.translator && request.operation === "openai-responses-input-tokens") {
    // Claude's count_tokens answer, in OpenAI's shape (input-tokens.ts).
    body = JSON.stringify(inputTokensAnswerOf(parsed));
  } else if (attempt.translator) {
    checkAnswerShape(parsed, attempt.target.upstreamProtocol);
    const translated = attempt.translator.translateResponse(parsed, attempt.context);
    recorder.setUsage(translated.usage, reported, estimate);
    // CC05: an answer without usage tells the client the ledger's estimate, not zeros.
    body = JSON.stringify(reported ? translated.body : attempt.translator.translateResponse(parsed, attempt.context, await recorder.usageToRecord()).body);
  } else {
    const usage = usageFromResponseBody(upstreamOperationFor(request.operation, attempt.target.upstreamProtocol), parsed);
    recorder.setUsage(mergeUsage(emptyUsage(), usage), usage !== undefined, estimate);
    body = echoClientModel(text, attempt.target.upstreamModel, attempt.context.clientModel);
  }
  return answerWhole(request, body, recorder, rateLimits, exchange);
}

/**
 * SC06: the upstream streamed what the client asked for as one answer. The stream is read to
 * its end under the stream deadlines (first byte, idle gap), so a long generation is bounded by
 * silence, not by its length, then translated as a whole.
 */
async function respondCollected(request: ModelRequest, attempt: PreparedAttempt, call: UpstreamCall, recorder: LedgerRecorder, rateLimits: Record<string, string>, exchange?: ResponseExchange): Promise<Response> {
  const decoder = new SseDecoder();
  const collector = attempt.translator!.createCollector(attempt.context);
  // A broken stream or an error event fails like any attempt: nothing has reached the client, so
  // the route's next provider may still take over.
  reading: for await (const chunk of call.readBody()) {
    for (const event of decoder.push(chunk)) {
      if (!collector.push(event)) continue;
      // The answer ended at a stop sequence the gateway applies: the upstream stops generating
      // (and billing) here instead of running on to max_tokens; leaving the loop gives back the
      // body reader's timers and slot.
      call.abort(new GatewayError("upstream_error", 499, "the answer ended at a stop sequence"));
      break reading;
    }
  }
  if (!collector.cut()) for (const event of decoder.end()) collector.push(event);
  const translated = collector.finish();
  const reported = translated.usage.inputTokens > 0 || translated.usage.outputTokens > 0;
  // After a cut the upstream's closing usage never comes: the output is estimated (marked), and
  // the client is told the figures the row records, as a cut stream is (stream-to-client.ts);
  // so is it when the upstream reported none (CC05).
  recorder.setUsage(translated.usage, reported, { final: reported && !collector.cut(), outputTokens: (estimators) => estimators.estimateOutputTokens(translated.body) });
  const answer = collector.cut() || !reported ? collector.finish(await recorder.usageToRecord()) : translated;
  return answerWhole(request, JSON.stringify(answer.body), recorder, rateLimits, exchange);
}

async function answerWhole(request: ModelRequest, body: string, recorder: LedgerRecorder, rateLimits: Record<string, string>, exchange?: ResponseExchange): Promise<Response> {
  // The ledger row (and a stored response) is durable before the client gets its answer.
  await Promise.all([recorder.finish(200, null), exchange?.saveBody(body)]);
  return new Response(body, { status: 200, headers: { ...rateLimits, "content-type": "application/json", ...requestIdHeaders(request.clientProtocol, request.requestId) } });
}

/**
 * A count the upstream cannot make, as a tokenizer estimate (documented as such): count_tokens
 * for a model served by a non-Anthropic provider, or Responses input_tokens for a Chat-only one
 * or a Responses server without the endpoint (`estimateInput`, input-tokens.ts). One ledger row, no usage.
 */
async function respondTokenEstimate(request: ModelRequest, deps: ProxyDeps, recorder: LedgerRecorder, estimateInput?: () => Promise<number>): Promise<Response> {
  let answer: Record<string, unknown>;
  if (request.operation === "openai-responses-input-tokens" && estimateInput) {
    // The request was checked before it was sent or translated (input-tokens-endpoint.ts).
    answer = inputTokensAnswer(await estimateInput());
  } else {
    if (!deps.estimateAnthropicTokens) {
      throw new GatewayError("translation_unsupported", 501, "count_tokens for models served by non-Anthropic providers needs the token estimator, which this build lacks");
    }
    // Refuse what the real count_tokens refuses (empty messages, wrong types, unknown roles), as
    // the Messages route does, instead of counting it.
    anthropicCodec.decodeRequest(request.body);
    answer = { input_tokens: await deps.estimateAnthropicTokens(request.body) };
  }
  await recorder.finish(200, null);
  return new Response(JSON.stringify(answer), { status: 200, headers: { "content-type": "application/json", ...requestIdHeaders(request.clientProtocol, request.requestId) } });
}

async function respondFailure(request: ModelRequest, failure: UpstreamFailure | GatewayError, recorder: LedgerRecorder, stop: WaitingRequestStop): Promise<Response> {
  const error = failure instanceof UpstreamFailure ? failure.error : failure;
  if (error.status === 499) {
    // The upstream call was abandoned while it worked on the request: the prompt was sent, so
    // it is recorded as an estimate (marked as such), as for a stream the client leaves.
    recorder.setUsage(emptyUsage(), false, { final: false, outputTokens: () => 0 });
    // A stopping gateway abandoned it, not the client, which is still there for the answer:
    // the gateway's error (503, Anthropic 529) with retry-after, so it retries elsewhere.
    const answer = stop.reason ?? error;
    await recorder.finish(answer.status, stop.reason ? answer.code : "client_closed");
    return renderErrorResponse(request.clientProtocol, answer, request.requestId);
  }
  await recorder.finish(error.status, error.code);
  // A same-protocol upstream error is relayed as the upstream wrote it (status, body), like a direct call.
  if (failure instanceof UpstreamFailure && failure.relay) {
    const headers: Record<string, string> = { ...failure.rateLimitHeaders, "content-type": failure.relay.contentType, ...requestIdHeaders(request.clientProtocol, request.requestId) };
    if (error.retryAfter !== undefined) headers["retry-after"] = String(Math.ceil(error.retryAfter));
    // Body as written; an Anthropic client gets a status Anthropic's API uses (a compatible
    // server's 422 or 503 is 400 or 529, anthropic-shape.ts), which is a no-op for Anthropic itself.
    const status = request.clientProtocol === "anthropic" ? anthropicStatusFor(failure.relay.status) : failure.relay.status;
    return new Response(failure.relay.body, { status, headers });
  }
  const rendered = renderErrorResponse(request.clientProtocol, error, request.requestId);
  // A translated error keeps the provider's rate-limit headers too (retry-after as rendered).
  if (failure instanceof UpstreamFailure) {
    for (const [name, value] of Object.entries(failure.rateLimitHeaders)) {
      if (!rendered.headers.has(name)) rendered.headers.set(name, value);
    }
  }
  return rendered;
}

/**
 * A provider without api_keys sends no Authorization. When it then answers 401 or 403, the
 * upstream's words alone ("Authentication Fails") read as if a gateway key were wrong: say
 * that the provider has no key and where one goes.
 */
function keylessRefusalHint(target: RouteTarget, status: number): string {
  if ((status !== 401 && status !== 403) || target.provider === "loopback" || !lacksCredentials(target.provider)) return "";
  return ` (provider ${target.providerName} has no API key configured: set ${providerKeySetting(target.provider)})`;
}
