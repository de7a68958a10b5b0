/** Shared test helpers for the Responses codec tests (deterministic ids and clock). */
import type { CanonicalRequest } from "../../../src/canonical/types";
import { createOpenaiResponsesCodec } from "../../../src/protocols/openai-responses/codec";
import type { ResponsesCodecOptions } from "../../../src/protocols/openai-responses/options";
import type { SseEvent } from "../../../src/streaming/sse-event";
import type { TranslationContext } from "../../../src/translate/types";

export function counterIds(): (prefix: string) => string {
  const counts = new Map<string, number>();
  return (prefix) => {
    const next = (counts.get(prefix) ?? 0) + 1;
    counts.set(prefix, next);
    return `${prefix}${next}`;
  };
}

export function testCodec(options: ResponsesCodecOptions = {}) {
  return createOpenaiResponsesCodec({ newId: counterIds(), now: () => 1_700_000_000, ...options });
}

export interface TestContext extends TranslationContext {
  warnings: Array<{ message: string; details?: Record<string, unknown> }>;
}

export function testContext(overrides: Partial<TranslationContext> = {}, request?: CanonicalRequest): TestContext {
  const warnings: TestContext["warnings"] = [];
  return {
    clientProtocol: "openai-responses",
    upstreamProtocol: "anthropic",
    clientModel: "gpt-5.5",
    upstreamModel: "claude-sonnet-4-6",
    providerName: "test",
    defaultMaxTokens: 32000,
    ...(request ? { request } : {}),
    warn: (message, details) => warnings.push({ message, ...(details ? { details } : {}) }),
    warnings,
    ...overrides,
  };
}

/** Parses encoder output into `{type, data}` pairs and checks the envelope rules every event must follow. */
export function parseEvents(events: SseEvent[]): Array<{ type: string; data: Record<string, unknown> }> {
  return events.map((event) => {
    const data = JSON.parse(event.data) as Record<string, unknown>;
    if (data.type !== event.event) throw new Error(`event name ${event.event} differs from data.type ${String(data.type)}`);
    return { type: event.event!, data };
  });
}

export async function readFixture<T = Record<string, unknown>>(name: string): Promise<T> {
  return (await Bun.file(new URL(`../../fixtures/responses/${name}`, import.meta.url)).json()) as T;
}
