import type { CanonicalEvent, CanonicalRequest, CanonicalResponse, Protocol, ReasoningConfig } from "../canonical/types";
import type { GatewayError } from "../errors/gateway-error";
import type { SseEvent } from "../streaming/sse-event";
import type { TranslationContext } from "./types";

/**
 * Everything one wire protocol knows: how to read and write its requests, responses,
 * stream events and errors to and from the canonical model. A translator for any pair is
 * `decode with the client's codec → encode with the upstream's codec` (and back), so N
 * protocols need N codecs, not N×M pair translators (ARCHITECTURE.md).
 */
export interface ProtocolCodec {
  readonly protocol: Protocol;
  /** Client request body → canonical. Throws GatewayError (`invalid_request`, 400) on bad input. */
  decodeRequest(body: Record<string, unknown>): CanonicalRequest;
  /**
   * The reasoning a client request asks for, as `decodeRequest` reads it, without decoding the
   * rest: budget reservations read it before translation (limits/output-ceiling.ts).
   */
  decodeReasoning(body: Record<string, unknown>): ReasoningConfig | undefined;
  /** Canonical → upstream request body for `ctx.upstreamModel`. */
  encodeRequest(request: CanonicalRequest, ctx: TranslationContext): Record<string, unknown>;
  /** Upstream non-streaming response body → canonical (lenient: missing and null fields are normal). */
  decodeResponse(body: unknown, ctx?: TranslationContext): CanonicalResponse;
  /** Canonical → client response body (echoes `ctx.clientModel`). */
  encodeResponse(response: CanonicalResponse, ctx: TranslationContext): unknown;
  /** Stateful: upstream SSE events of this protocol → canonical events. */
  createStreamDecoder(ctx: TranslationContext): CanonicalStreamDecoder;
  /** Stateful: canonical events → client SSE events of this protocol. */
  createStreamEncoder(ctx: TranslationContext): CanonicalStreamEncoder;
  /** Upstream error status and body of this protocol → catalogue error (keeps the upstream message). */
  decodeError(status: number, body: unknown, headers: Headers): GatewayError;
}

export interface CanonicalStreamDecoder {
  push(event: SseEvent): CanonicalEvent[];
  /** The upstream byte stream ended; close whatever is open. */
  end(): CanonicalEvent[];
}

export interface CanonicalStreamEncoder {
  push(event: CanonicalEvent): SseEvent[];
  /**
   * Events that tell a client whose timer counts parsed events (not bytes) that the stream is
   * alive, for a quiet stretch (SR09); none where the protocol's keep-alive is a comment or ping.
   */
  keepalive?(): SseEvent[];
}
