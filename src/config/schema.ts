import { anthropicCompatNames } from "../providers/anthropic-compat";
import { chatDialectNames, maxTokensFields, reasoningFields } from "../providers/chat-dialect";

/**
 * The configuration schema: every key the gateway reads, its type and allowed values.
 * Validation names the key, the layer it came from and what is allowed (never a silent default).
 */

export type KeyType =
  | { kind: "string"; nonEmpty?: boolean }
  | { kind: "int"; min?: number; max?: number }
  | { kind: "bool" }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "stringList" };

export interface KeySpec {
  type: KeyType;
  /** Secrets are redacted in `config show` and logs. */
  secret?: boolean;
}

const str: KeySpec = { type: { kind: "string" } };
/**
 * A string whose empty value has no meaning. An empty variable (`TOKLIGENCE_HOST=` from a compose
 * file's unset `${HOST}`) otherwise went through: the host "" listened on every interface and
 * the data dir "" put the database in the working directory, both silently.
 */
const nonEmptyStr: KeySpec = { type: { kind: "string", nonEmpty: true } };
const bool: KeySpec = { type: { kind: "bool" } };
const list: KeySpec = { type: { kind: "stringList" } };
const port: KeySpec = { type: { kind: "int", min: 0, max: 65535 } };
/**
 * The largest delay a timer holds: Node and Bun run a longer setTimeout after 1 ms (with only a
 * warning), so a deadline of 2^31 ms cut every request at once instead of never.
 */
const LONGEST_TIMER_MS = 2 ** 31 - 1;
const positive = (max = LONGEST_TIMER_MS): KeySpec => ({ type: { kind: "int", min: 1, max } });
const endpointKeys: KeySpec = list;

export const workModes = ["auto", "passthrough", "translation"] as const;
export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export const providerKinds = ["openai", "anthropic", "openai-compatible"] as const;
export const upstreamClients = ["auto", "fetch"] as const;
export const upstreamProtocols = ["openai-chat", "openai-responses", "anthropic"] as const;

/** Fixed keys, by dotted path. */
export const fixedKeys: Record<string, KeySpec> = {
  "server.host": nonEmptyStr,
  "server.port": port,
  "server.body_limit_mb": positive(1024),
  // Bun closes a connection silent for 255 s (its longest idle timeout), and a ping goes out up to
  // half an interval late (stream-to-client.ts checks every interval / 2): past 160 s a quiet
  // stream could be cut with no error at all.
  "server.keepalive_interval_ms": positive(160_000),
  // At most 60 s: Bun's own idle timeout (120 s, app.ts) must never fire before two missed pings do.
  "server.websocket_ping_interval_ms": { type: { kind: "int", min: 100, max: 60_000 } },
  "server.shutdown_grace_ms": positive(),
  "server.cors_origins": list,
  "multiport.enabled": bool,
  "multiport.enable_facade": bool,
  "multiport.admin_port": port,
  "multiport.openai_port": port,
  "multiport.anthropic_port": port,
  "multiport.facade_endpoints": endpointKeys,
  "multiport.openai_endpoints": endpointKeys,
  "multiport.anthropic_endpoints": endpointKeys,
  "multiport.admin_endpoints": endpointKeys,
  "gateway.work_mode": { type: { kind: "enum", values: workModes } },
  "gateway.data_dir": nonEmptyStr,
  "gateway.marketplace_enabled": bool,
  "gateway.default_max_tokens": positive(),
  "gateway.anthropic_prompt_cache": bool,
  "gateway.expose_reasoning": bool,
  "gateway.unsupported_logprobs": { type: { kind: "enum", values: ["ignore", "reject"] } },
  "gateway.file_url_max_mb": { type: { kind: "int", min: 0, max: 1024 } }, // 0: client URLs are never read
  "gateway.file_url_timeout_ms": positive(),
  "gateway.file_url_private_hosts": bool,
  // How long a stream's opening may hold back the client's headers (src/proxy/stream-opening.ts).
  // 0: only the first chunk is read. At most a minute: until its headers the client gets no byte,
  // not even a keep-alive ping, and a proxy in front (NGINX's proxy_read_timeout, 60 s) cuts it.
  "gateway.stream_opening_window_ms": { type: { kind: "int", min: 0, max: 60_000 } },
  "log.level": { type: { kind: "enum", values: logLevels } },
  "log.file": bool,
  "log.rotate_size": nonEmptyStr,
  "log.rotate_keep": positive(1000),
  "metrics.enabled": bool,
  "metrics.public": bool,
  "metrics.max_series": positive(1_000_000),
  "upstream.connect_timeout_ms": positive(),
  "upstream.response_timeout_ms": positive(),
  "upstream.first_byte_timeout_ms": positive(),
  "upstream.idle_timeout_ms": positive(),
  "upstream.client": { type: { kind: "enum", values: upstreamClients } },
  "auth.disabled": bool,
  "auth.admin_email": nonEmptyStr,
  // Fail-static key checks while PostgreSQL is away (src/auth/fail-static-key-checks.ts); 0 = off.
  "auth.outage_grace_seconds": { type: { kind: "int", min: 0, max: 7 * 24 * 3600 } },
  "database.url": { type: { kind: "string" }, secret: true },
  "database.sqlite_synchronous": { type: { kind: "enum", values: ["FULL", "NORMAL"] } },
  "database.pg_silence_timeout_ms": { type: { kind: "int", min: 0, max: LONGEST_TIMER_MS } },
  // The longest a request waits for PostgreSQL (key check, ledger row) before it counts as unreachable; 0 = no bound.
  "database.pg_request_timeout_ms": { type: { kind: "int", min: 0, max: LONGEST_TIMER_MS } },
  "ledger.prices_file": str,
  "limits.default_output_tokens": positive(10_000_000),
  "limits.reservation_ttl_seconds": positive(7 * 24 * 3600),
  // Shared RPM/TPM windows (src/limits/shared-rate-windows.ts); the URL may carry a password.
  "limits.redis_url": { type: { kind: "string" }, secret: true },
  "limits.redis_timeout_ms": positive(10_000),
  "limits.redis_key_prefix": str,
  "responses.store_retention_hours": { type: { kind: "int", min: 0, max: 24 * 365 * 100 } },
  "responses.background_poll_first_ms": positive(3_600_000),
  "responses.background_poll_max_ms": positive(3_600_000),
  "responses.background_follow_limit_seconds": positive(30 * 24 * 3600),
  "routing.routes": list,
  "routing.aliases": list,
  "routing.small_model": nonEmptyStr,
  "routing.big_model": nonEmptyStr,
  "routing.list_upstream_models": bool,
  // Provider cooldowns (src/routing/provider-health.ts): failures in a row before a provider is
  // tried last, 0 = off; and the first cooldown's length (it doubles on each repeated trip).
  "routing.cooldown_failures": { type: { kind: "int", min: 0, max: 1000 } },
  "routing.cooldown_seconds": positive(3600),
  // Agent helpers (src/agents): duplicate tool-call detection, shell normalisation, tool mapping.
  "agents.tool_loop_detection": bool,
  "agents.tool_loop_warn_at": positive(1000),
  "agents.tool_loop_stop_at": positive(1000),
  "agents.shell_normalization": bool,
  "agents.shell_tools": list,
  "agents.shell_wrapper": list,
  "agents.web_search_to_anthropic": bool,
  "agents.local_shell_as_function": bool,
};

/** Keys of each `[providers.<name>]` table. */
export const providerKeys: Record<string, KeySpec> = {
  kind: { type: { kind: "enum", values: providerKinds } },
  base_url: str,
  api_keys: { type: { kind: "stringList" }, secret: true },
  org: str,
  anthropic_version: nonEmptyStr,
  /** Wire protocols the provider serves natively (defaults by kind). */
  protocols: list,
  /** Model patterns this provider serves (adds routes for openai-compatible providers). */
  models: list,
  /** Model patterns served only through the Responses API (the gpt-5-codex class). */
  responses_only_models: list,
  /** Upper bound on max_tokens for this provider's models (P02). */
  max_output_tokens: positive(),
  /** CC02: the smallest output cap the provider takes; a translated request asking less is raised and trimmed back. */
  min_output_tokens: positive(),
  /** Extra headers sent upstream, as "Name: value" entries. */
  headers: { type: { kind: "stringList" }, secret: true },
  /** TC02: false for an Anthropic-compatible host that refuses tool_choice {type:"none"}: tools are left out instead. */
  tool_choice_none: bool,
  /** What the OpenAI-compatible server takes and gives (src/providers/chat-dialect.ts); default from base_url. */
  dialect: { type: { kind: "enum", values: chatDialectNames } },
  /** The output cap's field name, over the dialect's. */
  max_tokens_field: { type: { kind: "enum", values: maxTokensFields } },
  /** Where replayed reasoning goes on assistant messages, over the dialect's. */
  reasoning_field: { type: { kind: "enum", values: reasoningFields } },
  /** Top-level request fields the server refuses, never sent (added to the dialect's). */
  omit_fields: list,
  /** Q05: what an Anthropic-compatible server takes (src/providers/anthropic-compat.ts); default from base_url. */
  anthropic_compat: { type: { kind: "enum", values: anthropicCompatNames } },
  /** Q05 switches, over the profile's: `cache_control` markers left out. */
  drop_cache_control: bool,
  /** Adaptive thinking sent as a budget. */
  thinking_adaptive_to_enabled: bool,
  /** The client's `anthropic-beta` header not forwarded. */
  drop_anthropic_beta: bool,
  /** Text blocks without visible text left out. */
  drop_empty_text_blocks: bool,
  /** H01: tool ids outside Anthropic's pattern rewritten. */
  sanitize_tool_ids: bool,
};

/**
 * Keys of each `[models."<name or pattern>"]` table: what the operator states about a model the
 * built-in family table (src/translate/model-families.ts) does not know, or knows wrongly.
 */
export const modelKeys: Record<string, KeySpec> = {
  /** The model's largest output: translated requests asking more are lowered to it. */
  max_output_tokens: positive(),
  /** The model's context window (input plus output): Responses `truncation: "auto"` trims to fit it. */
  context_window: positive(),
  /** Whether the model takes thinking / reasoning parameters at all. */
  thinking: bool,
  /** K10: Chat clients see the model's reasoning (over gateway.expose_reasoning). */
  expose_reasoning: bool,
};

/** `models.<name>.<key>`: the name may hold dots (`llama-3.3-70b`), so the key is the last part. */
export const MODEL_KEY_PATTERN = /^models\.(.+)\.([a-z_]+)$/;

/** The spec for a dotted key, or undefined when the key is unknown. */
export function findKeySpec(key: string): KeySpec | undefined {
  const fixed = fixedKeys[key];
  if (fixed) return fixed;
  const match = /^providers\.([A-Za-z0-9_-]+)\.([a-z_]+)$/.exec(key);
  if (match) return providerKeys[match[2]!];
  const model = MODEL_KEY_PATTERN.exec(key);
  if (model && Object.hasOwn(modelKeys, model[2]!)) return modelKeys[model[2]!];
  return undefined;
}
