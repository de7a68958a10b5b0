import type { Protocol } from "../canonical/types";
import { GatewayError, toGatewayError } from "../errors/gateway-error";
import { renderStreamErrorEvent } from "../errors/render";
import type { RequestLog } from "../log/logger";
import { requestIdHeaders } from "../http/request-id-headers";
import { SseDecoder } from "../streaming/sse-decoder";
import { encodeSseEvent } from "../streaming/sse-encoder";
import type { SseEvent } from "../streaming/sse-event";
import { UsageTap } from "../streaming/usage-tap";
import type { UpstreamCall } from "../upstream/client";
import { echoClientModel } from "./echo-model";
import { hideAddedUsageNull } from "./hide-added-usage";
import type { ResponseExchange } from "../responses-store/exchange";
import type { PrimedBody } from "./stream-opening";
import type { LedgerRecorder } from "./ledger-recorder";
import type { ModelRequest, ProxyDeps } from "./types";
import { readRateLimitHeaders } from "./rate-limit-headers";
import { StreamStop } from "./stream-stop";
import type { PreparedAttempt } from "./upstream-request";

interface StreamArgs {
  request: ModelRequest;
  deps: ProxyDeps;
  attempt: PreparedAttempt;
  call: UpstreamCall;
  body: PrimedBody;
  recorder: LedgerRecorder;
  log: RequestLog;
  /** Responses API: sees client-bound events to keep the completed response (`store`). */
  exchange?: ResponseExchange;
}

/** Keep-alive for quiet streams: Anthropic clients expect `ping` events, OpenAI clients ignore SSE comments. */
function pingBytes(protocol: Protocol): string {
  return protocol === "anthropic" ? 'event: ping\ndata: {"type": "ping"}\n\n' : ": ping\n\n";
}

/** A Chat chunk that carries only usage (`choices: []`), which a client that did not ask for usage must not see. */
function isUsageOnlyChunk(event: SseEvent): boolean {
  if (!event.data.startsWith("{") || !event.data.includes('"usage"')) return false;
  try {
    const chunk = JSON.parse(event.data) as { choices?: unknown[]; usage?: unknown };
    return Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage != null;
  } catch {
    return false;
  }
}

/**
 * Relay (native) or translate an upstream stream to the client, event by event as it arrives:
 * every upstream read is forwarded at once (no buffering, no merged reads), keep-alive pings
 * fill quiet gaps, a later upstream failure becomes one protocol-correct error event, the ledger
 * row is made durable before the client's final event, and a client disconnect aborts upstream.
 * A stream still open when a stopping gateway's grace period ends gets that same error event
 * (`gateway_shutdown`) through the drain tracker, instead of a cut connection.
 */
export function streamToClient(args: StreamArgs): Response {
  const { request, deps, attempt, call, body, recorder, log, exchange } = args;
  const protocol = request.clientProtocol;
  const decoder = new SseDecoder();
  const tap = attempt.translator ? undefined : new UsageTap(attempt.target.upstreamProtocol);
  const translator = attempt.translator?.createStreamTranslator(attempt.context);
  const textEncoder = new TextEncoder();
  const renamed = attempt.target.upstreamModel !== attempt.context.clientModel;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  let lastWriteAt = Date.now();
  let errorCode: string | null = null;
  /** The gateway ending the stream itself (shutdown), with the error its client then gets. */
  const stop = new StreamStop();

  const write = (text: string) => {
    if (!open || text.length === 0) return;
    recorder.markFirstByte();
    lastWriteAt = Date.now();
    controller.enqueue(textEncoder.encode(text));
  };
  const syncUsage = () => {
    const source = translator ?? tap!;
    // Exact when the upstream's closing usage arrived; otherwise (client left, stream cut,
    // upstream without usage) the ledger estimates the rest from what was generated.
    recorder.setUsage(source.usage(), source.usageReported(), { final: source.usageFinal(), outputTokens: (estimators) => estimators.countTextTokens(source.generatedText()) });
  };

  /** Translate or filter one read's events; the ledger row is written before the terminal event goes out. */
  const emit = async (events: SseEvent[]) => {
    let out = "";
    let terminal = false;
    for (const event of events) {
      if (translator) {
        for (const translated of translator.push(event)) {
          exchange?.observe(translated);
          out += encodeSseEvent(translated);
        }
        if (translator.endedByGateway() || translator.heldForUsage()) {
          out += await closeCut(translator);
          terminal = true;
          break;
        }
        terminal ||= translator.completed();
      } else {
        terminal = tap!.observe(event) || terminal;
        if (attempt.dropUsageChunk && isUsageOnlyChunk(event)) continue;
        const data = attempt.dropUsageChunk ? hideAddedUsageNull(event.data) : event.data;
        const relayed = renamed || data !== event.data ? { ...event, data: renamed ? echoClientModel(data, attempt.target.upstreamModel, attempt.context.clientModel) : data } : event;
        exchange?.observe(relayed);
        out += encodeSseEvent(relayed);
      }
    }
    if (terminal && !recorder.isFinished) {
      syncUsage();
      if (tap?.upstreamError) errorCode = "upstream_error";
      await Promise.all([recorder.finish(200, errorCode), exchange?.flush()]);
    } else if (exchange?.saving) {
      // The terminal Responses event came before the upstream's own end: keep it durable first.
      await exchange.flush();
    }
    write(out);
  };

  /**
   * The client's closing events after the gateway's own cut (an emulated stop sequence), or
   * after an answer the upstream ended without its usage, with the usage the ledger records: the
   * upstream's figures so far, the rest estimated, since its closing usage never comes (a
   * client told zeros would undercount, and Claude Code would never compact, CC05).
   */
  const closeCut = async (cut: NonNullable<typeof translator>): Promise<string> => {
    syncUsage();
    let text = "";
    for (const event of cut.closeCut(await recorder.usageToRecord())) {
      exchange?.observe(event);
      text += encodeSseEvent(event);
    }
    return text;
  };

  /**
   * The gateway ended the answer (an emulated stop sequence matched, stop-sequences.ts): the
   * upstream stops generating, and its body reader gives back its timers and slot. The ledger
   * row was written at the answer's end, with the output estimated as for a client that leaves.
   */
  const stopReadingUpstream = () => {
    call.abort(new GatewayError("upstream_error", 499, "the answer ended at a stop sequence"));
    void body.rest.return(undefined).catch(() => {});
  };

  const fail = async (error: GatewayError) => {
    errorCode = error.code;
    const events = translator ? translator.fail(error) : [renderStreamErrorEvent(protocol, error)];
    syncUsage();
    await recorder.finish(200, errorCode);
    write(events.map(encodeSseEvent).join(""));
  };

  const pump = async () => {
    const keepalive = setInterval(() => {
      if (Date.now() - lastWriteAt < deps.config.server.keepaliveIntervalMs) return;
      // A translated Responses stream keeps Codex's event timer alive with a real event (SR09).
      const events = translator?.keepalive() ?? [];
      for (const event of events) exchange?.observe(event);
      write(events.length > 0 ? events.map(encodeSseEvent).join("") : pingBytes(protocol));
    }, Math.max(50, Math.floor(deps.config.server.keepaliveIntervalMs / 2)));
    try {
      let next = body.first;
      while (!next.done && open) {
        await emit(decoder.push(next.value));
        if (translator?.endedByGateway()) {
          stopReadingUpstream();
          break;
        }
        next = await stop.read(body.rest);
      }
      if (!open) return;
      if (stop.reason) throw stop.reason;
      await emit(decoder.end());
      if (translator) {
        const closing = translator.end();
        if (exchange) for (const event of closing) exchange.observe(event);
        let text = closing.map(encodeSseEvent).join("");
        // A close without [DONE] or usage (SA08) waits for the estimate as well.
        if (translator.heldForUsage()) text += await closeCut(translator);
        syncUsage();
        if (!translator.completed()) errorCode = "upstream_stream_broken";
        await Promise.all([recorder.finish(200, errorCode), exchange?.flush()]);
        write(text);
      } else if (!tap!.completed()) {
        // A cut stream must never look complete (reliability-anchors §2.18).
        await fail(new GatewayError("upstream_stream_broken", 502, "upstream closed the stream before it was complete"));
      }
    } catch (error) {
      if (!open) return;
      // The same final event and ledger row as an upstream failure, with the gateway's reason.
      const gatewayError = stop.reason ?? toGatewayError(error);
      // A stream the gateway closes is no failure to warn about (stop() logs how many it closed).
      if (!stop.reason) log.warn({ code: gatewayError.code }, `stream failed after the first byte: ${gatewayError.message}`);
      await fail(gatewayError);
    } finally {
      untrack();
      clearInterval(keepalive);
      // However the stream ended: GET no longer finds it live (the stored record answers, if any).
      exchange?.release();
      if (open) {
        open = false;
        controller.close();
      }
      if (!recorder.isFinished) {
        syncUsage();
        await recorder.finish(499, "client_closed");
      }
    }
  };

  let untrack = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
      const pumped = pump();
      untrack = deps.drain.trackStream({
        close(error) {
          // Already ending (client gone, or its last event being written): let it finish as it is.
          if (open && !recorder.isFinished) stop.stop(error, call);
          return pumped;
        },
      });
    },
    cancel() {
      // The client went away: stop the upstream too (T11), and record what was used so far.
      open = false;
      call.abort(new GatewayError("upstream_error", 499, "client closed the request"));
    },
  });
  const headers: Record<string, string> = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    // The provider's rate-limit headers, native or translated (rate-limit-headers.ts).
    ...readRateLimitHeaders(call.headerPairs),
    ...requestIdHeaders(protocol, request.requestId),
  };
  return new Response(stream, { status: 200, headers });
}
