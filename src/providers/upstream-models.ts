/**
 * The models each provider offers, read from its own listing (`GET {base}/models` on
 * OpenAI-style APIs, `GET /v1/models` on Anthropic's), so GET /v1/models can show what a route
 * pattern such as `gpt-*` or `claude-*` really serves. Without it the gateway's listing held only
 * configured exact names: a user with an OpenAI and an Anthropic key, routed by the implied
 * patterns, saw `loopback` alone in every model picker (Open WebUI, LibreChat, editors).
 *
 * Listings change rarely, so each is kept for `ttlMs`; a provider that fails (no listing
 * endpoint, down, refused key) is skipped for `failureTtlMs` and logged once per failure, and the
 * gateway's own list is answered without it. Concurrent readers share one call per provider.
 */
import type { Deadlines } from "../upstream/client";
import { callUpstream } from "../upstream/client";
import type { ProviderConfig } from "../config/types";
import { hideSecretValues } from "../log/logger";

export interface UpstreamModelLister {
  /** The model ids `provider` lists; empty when it cannot be read (the failure is logged). */
  modelsOf(provider: ProviderConfig): Promise<string[]>;
}

interface ListerOptions {
  deadlines: Deadlines;
  warn: (details: Record<string, unknown>, message: string) => void;
  /** How long a provider's listing is kept (default 10 minutes). */
  ttlMs?: number;
  /** How long a provider whose listing failed is left alone (default 1 minute). */
  failureTtlMs?: number;
}

/** A listing call is short: it must not hold a /v1/models answer for a generation's deadline. */
const LISTING_TIMEOUT_MS = 5_000;
const ANTHROPIC_PAGE_LIMIT = 1000;

export function createUpstreamModelLister(options: ListerOptions): UpstreamModelLister {
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const failureTtlMs = options.failureTtlMs ?? 60_000;
  const timeoutMs = Math.min(LISTING_TIMEOUT_MS, options.deadlines.responseTimeoutMs);
  const deadlines: Deadlines = { connectTimeoutMs: timeoutMs, responseTimeoutMs: timeoutMs, firstByteTimeoutMs: timeoutMs, idleTimeoutMs: timeoutMs };
  const kept = new Map<string, { ids: string[]; until: number }>();
  const pending = new Map<string, Promise<string[]>>();

  async function read(provider: ProviderConfig): Promise<string[]> {
    try {
      const ids = await fetchModelIds(provider, deadlines);
      kept.set(provider.name, { ids, until: Date.now() + ttlMs });
      return ids;
    } catch (error) {
      const message = hideSecretValues((error as Error)?.message ?? String(error), provider.apiKeys);
      options.warn({ provider: provider.name, retryInMs: failureTtlMs }, `cannot list the models of provider ${provider.name}: ${message}; /v1/models lists the gateway's configured models without them`);
      kept.set(provider.name, { ids: [], until: Date.now() + failureTtlMs });
      return [];
    } finally {
      pending.delete(provider.name);
    }
  }

  return {
    modelsOf(provider) {
      const cached = kept.get(provider.name);
      if (cached && cached.until > Date.now()) return Promise.resolve(cached.ids);
      let reading = pending.get(provider.name);
      if (!reading) {
        reading = read(provider);
        pending.set(provider.name, reading);
      }
      return reading;
    },
  };
}

/** Whether asking `provider` for its models makes sense: hosted APIs need their key; local servers (Ollama, vLLM) often have none. */
export function canListModels(provider: ProviderConfig): boolean {
  return provider.apiKeys.length > 0 || provider.kind === "openai-compatible";
}

async function fetchModelIds(provider: ProviderConfig, deadlines: Deadlines): Promise<string[]> {
  const anthropic = provider.kind === "anthropic";
  const key = provider.apiKeys[0];
  const headers: Record<string, string> = { "user-agent": "tokligence-gateway", ...provider.headers };
  if (anthropic) {
    headers["anthropic-version"] = provider.anthropicVersion;
    if (key) headers["x-api-key"] = key;
  } else if (key) {
    headers.authorization = `Bearer ${key}`;
  }
  const url = anthropic ? `${provider.baseUrl}/v1/models?limit=${ANTHROPIC_PAGE_LIMIT}` : `${provider.baseUrl}/models`;
  const call = await callUpstream(url, { headers, body: "", method: "GET", streamed: false, provider: provider.name }, undefined, deadlines);
  const text = await call.readText();
  if (call.status !== 200) throw new Error(`HTTP ${call.status}`);
  return modelIdsOf(text);
}

/** `data[].id` of an OpenAI or Anthropic model list; anything else is not a listing. */
export function modelIdsOf(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error("the answer is not JSON");
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new Error("the answer has no data list");
  return data.map((entry) => (entry as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === "string" && id !== "");
}
