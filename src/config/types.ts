import type { AnthropicCompat } from "../providers/anthropic-compat";
import type { ChatDialect } from "../providers/chat-dialect";
import type { logLevels, providerKinds, upstreamClients, upstreamProtocols, workModes } from "./schema";

export type WorkMode = (typeof workModes)[number];
export type LogLevel = (typeof logLevels)[number];
export type ProviderKind = (typeof providerKinds)[number];
export type UpstreamClientChoice = (typeof upstreamClients)[number];
export type UpstreamProtocol = (typeof upstreamProtocols)[number];

export interface ProviderConfig {
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  apiKeys: string[];
  org?: string;
  anthropicVersion: string;
  protocols: UpstreamProtocol[];
  models: string[];
  responsesOnlyModels: string[];
  maxOutputTokens?: number;
  /** CC02: the smallest output cap it takes (translated requests asking less are raised, the answer trimmed). */
  minOutputTokens?: number;
  headers: Record<string, string>;
  /** TC02: whether an Anthropic-style API takes tool_choice {type:"none"} (default true). */
  toolChoiceNone: boolean;
  /** What its Chat Completions API takes and gives beyond the core (providers/chat-dialect.ts). */
  chatDialect: ChatDialect;
  /** Q05: what its Messages API takes of an Anthropic request (providers/anthropic-compat.ts). */
  anthropicCompat: AnthropicCompat;
}

/**
 * One `[models."<name or pattern>"]` table: what the operator states about a model, over the
 * built-in family table (src/translate/model-families.ts). Patterns as in routes (`my-qwen*`).
 */
export interface ModelOverride {
  pattern: string;
  /** The model's largest output; translated requests asking more are lowered to it. */
  maxOutputTokens?: number;
  /** The model's context window (input plus output); `truncation: "auto"` trims to fit it. */
  contextWindow?: number;
  /** Whether the model takes thinking / reasoning parameters (false: they are left out). */
  thinking?: boolean;
  /** K10: whether Chat clients see this model's reasoning, over `gateway.expose_reasoning`. */
  exposeReasoning?: boolean;
}

/** Agent helpers (src/agents, README "Agent helpers"). */
export interface AgentsConfig {
  /** Duplicate tool-call detection: warn the model at `warnAt` identical call+result repeats, stop at `stopAt`. */
  toolLoop: { enabled: boolean; warnAt: number; stopAt: number };
  /** Shell-style tool arguments reshaped to the client's declared schema (string vs argv). */
  shell: { enabled: boolean; tools: string[]; wrapper: string[] };
  /** Responses `web_search` sent to Anthropic upstreams as Anthropic's server-side web search tool. */
  webSearchToAnthropic: boolean;
  /** Responses `local_shell` offered to non-Responses upstreams as a function tool, answered as `local_shell_call`. */
  localShellAsFunction: boolean;
}

/** Rate windows shared by replicas through Redis (limits.redis_*). */
export interface RedisRatesConfig {
  /** redis://[user:password@]host[:port][/db], rediss:// for TLS, redis+unix:///path: a secret (it may hold a password). */
  url: string;
  /** Longest wait for one Redis command before the request falls back to this replica's windows. */
  timeoutMs: number;
  /** Prepended to every key, so deployments (or tests) sharing one Redis keep apart. */
  keyPrefix: string;
}

/** The effective configuration: parsed once at start, validated, frozen, passed in. */
export interface GatewayConfig {
  environment: string;
  server: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    keepaliveIntervalMs: number;
    /** Responses WebSocket: ping the peer this often; one silent for two intervals is closed. */
    websocketPingIntervalMs: number;
    shutdownGraceMs: number;
    /** Browser origins allowed to call the gateway (CORS); empty: CORS off. */
    corsOrigins: string[];
  };
  multiport: {
    enabled: boolean;
    enableFacade: boolean;
    ports: { facade: number; admin: number; openai: number; anthropic: number };
    endpoints: { facade: string[]; admin: string[]; openai: string[]; anthropic: string[] };
  };
  workMode: WorkMode;
  dataDir: string;
  marketplaceEnabled: boolean;
  defaultMaxTokens: number;
  /** Prompt-cache breakpoints for OpenAI and Responses clients on Anthropic upstreams (Q04). */
  anthropicPromptCache: boolean;
  /** K10: translated answers show Chat clients the model's reasoning (`reasoning_content`); `[models]` may say otherwise. */
  exposeReasoning: boolean;
  /** P09: a request for logprobs sent to a provider without them (Anthropic): answered without, or refused. */
  unsupportedLogprobs: "ignore" | "reject";
  /** C05: files a Responses client names by URL, read by the gateway for Chat Completions upstreams (inline-file-urls.ts). */
  fileUrls: { maxBytes: number; timeoutMs: number; privateHosts: boolean };
  /** How long a stream's opening may hold back the client's headers for an error to fail over on (src/proxy/stream-opening.ts). */
  streamOpeningWindowMs: number;
  log: { level: LogLevel; file: boolean; rotateSize: string; rotateKeep: number };
  /**
   * GET /metrics (Prometheus) on listeners with the `health` group: served at all; open without a
   * key even when model endpoints need one; label sets per metric before folding into `__other__`.
   */
  metrics: { enabled: boolean; public: boolean; maxSeries: number };
  upstream: { connectTimeoutMs: number; responseTimeoutMs: number; firstByteTimeoutMs: number; idleTimeoutMs: number; client: UpstreamClientChoice };
  /**
   * `outageGraceSeconds`: while PostgreSQL cannot be reached, a key this replica confirmed within
   * this many seconds is accepted from memory (fail-static); 0 = every key check needs the database.
   */
  auth: { disabled: boolean | undefined; adminEmail: string; outageGraceSeconds: number };
  databaseUrl: string;
  /** SQLite `synchronous`: FULL survives power loss, NORMAL only application crashes. */
  sqliteSynchronous: "FULL" | "NORMAL";
  /** PostgreSQL: a connection silent this long is closed, so a dead peer cannot hang requests; 0 = never. */
  pgSilenceTimeoutMs: number;
  /**
   * PostgreSQL: the longest a request waits for a key check or its ledger row before the database
   * counts as unreachable for it (fail-static key check, row to the spill); 0 = no bound.
   */
  pgRequestTimeoutMs: number;
  /** Price table for ledger costs; empty = the embedded config/prices.toml. */
  ledger: { pricesFile: string };
  /**
   * Budgets and rate limits (src/limits): output tokens reserved for a request that names no cap,
   * and how long a reservation is held before a sweep may release it (a crashed process's).
   * `redis`: where replicas share their RPM/TPM windows (undefined: each replica's own memory).
   */
  limits: { defaultOutputTokens: number; reservationTtlSeconds: number; redis?: RedisRatesConfig };
  /**
   * Stored Responses API objects: hours kept after creation; 0 = never store. How a native OpenAI
   * background run is followed at the upstream: first poll, longest wait, and how long after its
   * creation it is followed at all (BackgroundPolling; the orphan sweep's period stays built in).
   */
  responses: { storeRetentionHours: number; backgroundPolling: { firstDelayMs: number; maxDelayMs: number; limitMs: number } };
  /**
   * `cooldownFailures`: failures in a row that set a provider aside (0: cooldowns off);
   * `cooldownSeconds`: the first cooldown, doubled on each repeated trip (routing/provider-health.ts).
   */
  routing: { routes: string[]; aliases: string[]; smallModel: string; bigModel: string; listUpstreamModels: boolean; cooldownFailures: number; cooldownSeconds: number };
  providers: ProviderConfig[];
  /** `[models."<pattern>"]`: operator-stated model capabilities, first match wins (exact names before patterns). */
  models: ModelOverride[];
  agents: AgentsConfig;
}

/** One configuration value and the layer it came from. */
export interface SourcedValue {
  value: unknown;
  source: string;
}
