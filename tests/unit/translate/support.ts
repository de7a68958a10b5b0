/** Shared test helpers for the translator golden tests (no production code here). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Protocol } from "../../../src/canonical/types";
import type { SseEvent } from "../../../src/streaming/sse-event";
import type { TranslationContext } from "../../../src/translate/types";

export const FIXTURES = join(import.meta.dir, "../../fixtures/anthropic-chat");

export function loadFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as T;
}

export interface TestContext extends TranslationContext {
  warnings: string[];
}

/** A translation context that records warnings instead of logging them. */
export function makeContext(client: Protocol, upstream: Protocol, overrides: Partial<TranslationContext> = {}): TestContext {
  const warnings: string[] = [];
  return {
    clientProtocol: client,
    upstreamProtocol: upstream,
    clientModel: "client-model",
    upstreamModel: "upstream-model",
    providerName: "test-provider",
    defaultMaxTokens: 8192,
    warnings,
    warn: (message: string) => void warnings.push(message),
    ...overrides,
  };
}

/** Generated ids are random (24 chars after the prefix); golden files hold placeholders. */
export function normalizeIds<T>(value: T): T {
  const text = JSON.stringify(value)
    .replace(/\b(msg_|chatcmpl-|call_|toolu_)[A-Za-z0-9]{24}\b/g, "$1<generated>")
    .replace(/"created":\d{10}/g, '"created":0');
  return JSON.parse(text) as T;
}

/** SSE events with their JSON data parsed, for readable comparisons. */
export function parseSse(events: SseEvent[]): Array<{ event?: string; data: unknown }> {
  return normalizeIds(
    events.map((e) => ({ ...(e.event !== undefined ? { event: e.event } : {}), data: e.data === "[DONE]" ? "[DONE]" : JSON.parse(e.data) })),
  );
}
