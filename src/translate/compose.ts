import type { CanonicalEvent, CanonicalResponse, Usage } from "../canonical/types";
import { emptyUsage, mergeUsage } from "../canonical/usage";
import type { GatewayError } from "../errors/gateway-error";
import type { SseEvent } from "../streaming/sse-event";
import type { ProtocolCodec } from "./codec";
import { collectResponse } from "./collect-response";
import { createStructuredOutputRevealer, revealStructuredOutput } from "./structured-output-tool";
import { convertErrorToEvent } from "./error-event";
import { createBlockSerializer } from "./serialize-blocks";
import { createStopSequenceCutter, cutAtStopSequence } from "./stop-sequences";
import { createEmptyArgumentsFiller, fillEmptyArguments } from "./tool-arguments";
import { cleanStrictToolCalls, createStrictNullsCleaner } from "./strict-nulls";
import { createOutputTrimmer, trimResponse } from "./output-floor";
import { prepareToolNames, restoreToolNameInEvent, restoreToolNamesInContent } from "./tool-names";
import { warnUncitableDocuments } from "./document-citations";
import type { StreamTranslator, TranslationContext, Translator } from "./types";
import { scrubSecrets } from "../errors/scrub-secrets";
import { createWebSearchResultMapper, mapWebSearchResults } from "./web-search-results";

/**
 * A translator for any protocol pair through the canonical hub (ARCHITECTURE.md):
 * request = client decode → upstream encode; response and stream = upstream decode → client
 * encode. Pure and per request, so failover can call `buildUpstreamRequest` again.
 */
export function composeTranslator(client: ProtocolCodec, upstream: ProtocolCodec): Translator {
  /** An upstream answer, decoded, as the client's response body. */
  function answerClient(upstreamAnswer: CanonicalResponse, ctx: TranslationContext, alreadyCut = false): { body: unknown; usage: Usage } {
    const stopped = ctx.emulatedStopSequences && !alreadyCut ? cutAtStopSequence(upstreamAnswer, ctx.emulatedStopSequences) : upstreamAnswer;
    const filledContent = stopped.content.map(fillEmptyArguments);
    const nullables = strictNullablesFor(client, ctx);
    const cleaned = { ...stopped, content: nullables ? cleanStrictToolCalls(filledContent, nullables) : filledContent };
    // CC02: back to the cap the client asked, below the provider's minimum.
    const filled = ctx.outputTrim !== undefined ? trimResponse(cleaned, ctx.outputTrim) : cleaned;
    const answer = ctx.structuredOutput ? { ...filled, ...revealStructuredOutput(filled.content, filled.stopReason, ctx.structuredOutput) } : filled;
    const decoded = ctx.toolNames ? { ...answer, content: restoreToolNamesInContent(answer.content, ctx.toolNames) } : answer;
    const adjusted = ctx.agents ? ctx.agents.adjustResponse(decoded, ctx) : decoded;
    const response = showsWebSearchAsAnthropic(client, upstream) ? mapWebSearchResults(adjusted) : adjusted;
    return { body: client.encodeResponse(response, ctx), usage: response.usage };
  }

  return {
    buildUpstreamRequest(clientBody, ctx) {
      const decoded = client.decodeRequest(clientBody);
      // Client-side encoders echo settings and map tools back from the decoded request (R10, S10, S11).
      ctx.request ??= decoded;
      ctx.clientBody ??= clientBody;
      // Agent helpers see the canonical request; ctx.request keeps the client's own declarations.
      const prepared = ctx.agents ? ctx.agents.prepareRequest(decoded, ctx) : decoded;
      // Names the upstream would refuse are rewritten; the answer is mapped back (S02, S03).
      const named = prepareToolNames(prepared, upstream.protocol);
      if (upstream.protocol !== "anthropic") warnUncitableDocuments(named.request, ctx);
      ctx.toolNames = named.names;
      // Set again by this upstream's encoder (J03): a failover's target may rewrite no schema.
      ctx.strictNullables = undefined;
      ctx.outputTrim = undefined;
      return upstream.encodeRequest(named.request, ctx);
    },
    translateResponse(upstreamBody, ctx, usage) {
      const decoded = upstream.decodeResponse(upstreamBody, ctx);
      return answerClient(usage ? { ...decoded, usage } : decoded, ctx);
    },
    translateCollectedStream(upstreamEvents, ctx) {
      const collector = this.createCollector(ctx);
      for (const event of upstreamEvents) if (collector.push(event)) break;
      return collector.finish();
    },
    createCollector(ctx) {
      const decoder = upstream.createStreamDecoder(ctx);
      // Cut as a stream is, event by event, so the caller learns of the match when it happens.
      const cutter = ctx.emulatedStopSequences ? createStopSequenceCutter(ctx.emulatedStopSequences) : undefined;
      const events: CanonicalEvent[] = [];
      let decoderEnded = false;
      const take = (decoded: CanonicalEvent[]) => {
        // Nothing follows the cut's own finish and message_stop.
        if (cutter?.matched()) return;
        events.push(...(cutter ? decoded.flatMap(cutter.push) : decoded));
      };
      return {
        push(event) {
          take(decoder.push(event));
          return cutter?.matched() ?? false;
        },
        cut: () => cutter?.matched() ?? false,
        finish(usage) {
          if (!decoderEnded) {
            decoderEnded = true;
            take(decoder.end());
          }
          const response = collectResponse(events);
          return answerClient(usage ? { ...response, usage } : response, ctx, cutter !== undefined);
        },
      };
    },
    createStreamTranslator(ctx) {
      return createComposedStream(client, upstream, ctx);
    },
    translateError(status, upstreamBody, headers) {
      return upstream.decodeError(status, upstreamBody, headers);
    },
  };
}

/** S09: a Responses upstream's web searches and citations, shown to an Anthropic client as its own server tool's. */
function showsWebSearchAsAnthropic(client: ProtocolCodec, upstream: ProtocolCodec): boolean {
  return client.protocol === "anthropic" && upstream.protocol === "openai-responses";
}

/** J03: the rewritten strict tools whose `null`s an Anthropic client's input loses (strict-nulls.ts). */
function strictNullablesFor(client: ProtocolCodec, ctx: TranslationContext): Map<string, Record<string, unknown>> | undefined {
  return client.protocol === "anthropic" && ctx.strictNullables?.size ? ctx.strictNullables : undefined;
}

function createComposedStream(client: ProtocolCodec, upstream: ProtocolCodec, ctx: TranslationContext): StreamTranslator {
  const decoder = upstream.createStreamDecoder(ctx);
  const encoder = client.createStreamEncoder(ctx);
  const adjust = ctx.agents?.createEventAdjuster(ctx);
  const showWebSearch = showsWebSearchAsAnthropic(client, upstream) ? createWebSearchResultMapper() : undefined;
  const reveal = ctx.structuredOutput ? createStructuredOutputRevealer(ctx.structuredOutput) : undefined;
  // Overlapping upstream blocks (parallel calls streamed side by side) reach every client in sequence.
  const serialize = createBlockSerializer();
  const fillArguments = createEmptyArgumentsFiller();
  const nullables = strictNullablesFor(client, ctx);
  const cleanNulls = nullables ? createStrictNullsCleaner(nullables) : undefined;
  const trim = ctx.outputTrim !== undefined ? createOutputTrimmer(ctx.outputTrim) : undefined;
  // Stop sequences the upstream cannot apply, applied to its own events before anything else.
  const cutter = ctx.emulatedStopSequences ? createStopSequenceCutter(ctx.emulatedStopSequences) : undefined;
  /**
   * The client's closing events, held for `closeCut`: a cut's own (its finish and message_stop),
   * or the upstream's message_stop when it came without the closing usage (CC05).
   */
  let heldCut: CanonicalEvent[] | undefined;
  const decode = (produce: () => CanonicalEvent[]): CanonicalEvent[] => {
    if (!cutter) return produce();
    const matchedBefore = cutter.matched();
    const events = produce().flatMap(cutter.push);
    if (matchedBefore || !cutter.matched()) return events;
    // The cut ends with its finish then message_stop (stop-sequences.ts); nothing follows them.
    const at = events.findLastIndex((event) => event.type === "finish");
    heldCut = events.slice(at);
    return events.slice(0, at);
  };
  let usage: Usage = emptyUsage();
  let reported = false;
  let usageFinal = false;
  /** Generated text pieces, joined only if the ledger needs an estimate. */
  const generated: string[] = [];
  let sawFinish = false;
  let completed = false;
  let closed = false;

  function observe(event: CanonicalEvent): void {
    const update = event.type === "usage" ? event.usage : event.type === "message_start" ? event.usage : undefined;
    if (update) {
      const before = usage;
      usage = mergeUsage(usage, update);
      if (usage !== before && (update.inputTokens !== undefined || update.outputTokens !== undefined)) reported = true;
      // The closing usage (Chat's usage chunk, Anthropic's message_delta, Responses' completed) carries the output count.
      if (event.type === "usage" && update.outputTokens !== undefined) usageFinal = true;
    }
    if (event.type === "text_delta" || event.type === "reasoning_delta") generated.push(event.text);
    else if (event.type === "tool_args_delta") generated.push(event.fragment);
    if (event.type === "message_stop") closed = true;
    if (event.type === "error") closed = true;
  }

  /** `holdForUsage`: keep back a message_stop the upstream's closing usage did not precede. */
  function forward(upstreamEvents: CanonicalEvent[], holdForUsage = true): SseEvent[] {
    const out: SseEvent[] = [];
    const filled = upstreamEvents.flatMap(serialize).flatMap(fillArguments);
    const cleaned = cleanNulls ? filled.flatMap(cleanNulls) : filled;
    const sequenced = trim ? cleaned.flatMap(trim) : cleaned;
    const decoded = reveal ? sequenced.flatMap(reveal) : sequenced;
    const named = ctx.toolNames ? decoded.map((event) => restoreToolNameInEvent(event, ctx.toolNames)) : decoded;
    const adjusted = adjust ? named.flatMap(adjust) : named;
    const events = showWebSearch ? adjusted.flatMap(showWebSearch) : adjusted;
    for (const [at, decodedEvent] of events.entries()) {
      if (closed) break;
      if (decodedEvent.type === "message_stop" && holdForUsage && !usageFinal) {
        // CC05: the answer's end without its usage (a server that ignores include_usage): the
        // closing events wait for the ledger's estimate (closeCut), so the client is not told
        // zeros, which Claude Code reads as an empty context and never compacts.
        heldCut = events.slice(at);
        break;
      }
      // An upstream's mid-stream error text reaches the client: credential-shaped strings go, as
      // from error bodies before a stream (send-attempt.ts).
      const event = decodedEvent.type === "error" ? { ...decodedEvent, message: scrubSecrets(decodedEvent.message) } : decodedEvent;
      observe(event);
      out.push(...encoder.push(event));
    }
    return out;
  }

  return {
    push(event) {
      if (closed || heldCut) return [];
      const events = decode(() => decoder.push(event));
      // The upstream's own terminal event (Anthropic message_stop, Chat [DONE]), or the end of an
      // emulated stop sequence, completes the stream.
      if (events.some((e) => e.type === "message_stop")) completed = true;
      if (events.some((e) => e.type === "finish")) sawFinish = true;
      return forward(events);
    },
    end() {
      if (closed || heldCut) return [];
      // A clean close after the upstream's finish counts as complete; one without any does not
      // (the decoder still closes the client's message properly, SA08).
      completed = completed || sawFinish;
      return forward(decode(() => decoder.end()));
    },
    fail(error: GatewayError) {
      if (closed) return [];
      closed = true;
      return encoder.push(convertErrorToEvent(error));
    },
    usage: () => usage,
    usageReported: () => reported,
    usageFinal: () => usageFinal,
    generatedText: () => generated.join(""),
    completed: () => completed,
    endedByGateway: () => cutter?.matched() ?? false,
    heldForUsage: () => heldCut !== undefined && !(cutter?.matched() ?? false),
    keepalive: () => (closed ? [] : (encoder.keepalive?.() ?? [])),
    closeCut(finalUsage) {
      if (!heldCut || closed) return [];
      const held = heldCut;
      heldCut = undefined;
      // A cut completes the answer; a close held for its usage is as complete as the upstream made it.
      if (cutter?.matched()) completed = true;
      // Straight to the encoder, not through observe(): usage() stays what the upstream
      // reported, and the ledger marks its own (equal) figures as estimated.
      return [...encoder.push({ type: "usage", usage: finalUsage }), ...forward(held, false)];
    },
  };
}
