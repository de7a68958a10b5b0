import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { coerceValue } from "./coerce";
import { ALLOWED_DATABASE_URLS, unsupportedDatabaseScheme } from "./database-url";
import { ConfigError, type Layer, loadConfigDirectory, loadEmbeddedDefaults, loadEnvironment, loadFlags, loadTomlFile, mergeLayers } from "./layers";
import { findKeySpec, fixedKeys, providerKeys } from "./schema";
import { buildProviders } from "./providers";
import { buildModelOverrides } from "./models";
import { editDistance, unreadEnvWarnings } from "./unread-env";
import { missingOverlayWarning } from "./missing-overlay";
import { baseUrlWarnings } from "./base-url-warnings";
import { keylessProviderWarnings } from "./keyless-provider-warnings";
import { checkMultiportPorts } from "./multiport-ports";
import { resolveEnvReference, type UnsetReference, unsetReferencesMessage } from "./env-references";
import type { GatewayConfig, SourcedValue } from "./types";
import { ModelRouter } from "../routing/router";

export interface LoadOptions {
  /** The environment to read TOKLIGENCE_* variables from (process.env by default). */
  env?: Record<string, string | undefined>;
  /** --config FILE */
  configFile?: string;
  /** --env NAME */
  environment?: string;
  /** Where config/default.toml and config/<env>.toml live (default: ./config). */
  configDir?: string;
  flags?: Parameters<typeof loadFlags>[0];
  /**
   * Commands that only use the database (admin, usage, migrate, init) and healthcheck never call a
   * provider: a provider secret given as "env:NAME" may be unset for them (the provider just has
   * no key). Without this, managing users from an ops shell needed every provider key in its
   * environment. Only provider secrets: an unset database.url must not fall back to SQLite.
   */
  providerSecretsOptional?: boolean;
}

export interface LoadedConfig {
  config: GatewayConfig;
  /** Every effective key with its typed value and source, for `config show`. */
  entries: Map<string, SourcedValue & { secret: boolean }>;
  /** Things that do not stop the start but that a user should hear about (unread variables). */
  warnings: string[];
}

/** Expand a leading "~" to the home directory (the original created a literal "~" folder). */
export function expandHome(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return resolve(homedir(), path.slice(2));
  return resolve(path);
}

/** Load every layer, validate, and return the frozen effective configuration. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const environment = options.environment ?? env.TOKLIGENCE_ENV ?? "dev";
  if (!/^[A-Za-z0-9_-]+$/.test(environment)) throw new ConfigError(`invalid environment name ${JSON.stringify(environment)} (allowed: letters, digits, - and _)`);
  // An empty directory name read config/default.toml's files from the working directory itself.
  if (options.configDir === undefined && env.TOKLIGENCE_CONFIG_DIR === "") throw new ConfigError("TOKLIGENCE_CONFIG_DIR is set but empty: give it a directory, or unset it");
  const configDir = options.configDir ?? env.TOKLIGENCE_CONFIG_DIR ?? resolve("config");
  const configFile = options.configFile ?? env.TOKLIGENCE_CONFIG;
  // An empty path (`--config` with nothing after it, `--config "$CFG"` with CFG unset, a compose
  // file's `TOKLIGENCE_CONFIG=${CFG}`) used to start without the file the operator meant.
  if (configFile === "") {
    throw new ConfigError(options.configFile === "" ? "--config needs a file path (--config FILE)" : "TOKLIGENCE_CONFIG is set but empty: give it a file path, or unset it");
  }

  const layers: Layer[] = [loadEmbeddedDefaults(), ...loadConfigDirectory(configDir, environment)];
  if (configFile) layers.push(loadTomlFile(configFile, true));
  layers.push(loadEnvironment(env), loadFlags(options.flags ?? {}));
  const merged = mergeLayers(layers);

  const entries = new Map<string, SourcedValue & { secret: boolean }>();
  const unset: UnsetReference[] = [];
  for (const [key, entry] of merged) {
    const spec = findKeySpec(key);
    if (!spec) throw new ConfigError(unknownKeyMessage(key, entry.source));
    const before = unset.length;
    const resolved = resolveEnvReference(entry.value, env, key, entry.source, unset);
    // An unset reference is reported with the others below, not as an invalid empty value.
    if (unset.length > before) {
      if (options.providerSecretsOptional && spec.secret && key.startsWith("providers.")) unset.length = before;
      continue;
    }
    const value = coerceValue(key, { value: resolved, source: entry.source }, spec);
    entries.set(key, { value, source: entry.source, secret: spec.secret === true });
  }
  if (unset.length > 0) throw new ConfigError(unsetReferencesMessage(unset));
  const config = buildConfig(entries, environment);
  checkRouting(config, entries);
  checkMultiportPorts(config, entries);
  const chosenBy = options.environment !== undefined ? "--env" : env.TOKLIGENCE_ENV !== undefined ? "TOKLIGENCE_ENV" : undefined;
  const overlayWarning = missingOverlayWarning(configDir, environment, chosenBy);
  const warnings = [...(overlayWarning ? [overlayWarning] : []), ...unreadEnvWarnings(env, config), ...baseUrlWarnings(config), ...keylessProviderWarnings(config)];
  return { config: deepFreeze(config), entries, warnings };
}

/**
 * config/prices.toml sits beside the configuration files and is TOML too, so it is handed to
 * --config by mistake; "unknown configuration key prices" did not say what the file is for.
 */
function unknownKeyMessage(key: string, source: string): string {
  if (key === "prices") return `${source} is a price table, not a configuration file: name it with ledger.prices_file (or TOKLIGENCE_LEDGER__PRICES_FILE) instead of --config`;
  const suggestion = closestKey(key);
  // config/README.md is not on disk for pip, npm, binary and Docker users; `config show` is.
  return `unknown configuration key ${key} (from ${source})${suggestion ? `; did you mean ${suggestion}?` : ""} (\`gateway config show\` lists every key; config/README.md documents them)`;
}

/** The known key a misspelt one most likely meant (`server.portt` → `server.port`), when near enough to be a typo. */
function closestKey(key: string): string | undefined {
  const provider = /^providers\.([^.]+)\./.exec(key);
  const known = provider ? Object.keys(providerKeys).map((name) => `providers.${provider[1]}.${name}`) : Object.keys(fixedKeys);
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.ceil(key.length / 8)) ? best.key : undefined;
}

function buildConfig(entries: Map<string, SourcedValue>, environment: string): GatewayConfig {
  const get = <T>(key: string): T => entries.get(key)?.value as T;
  const optional = <T>(key: string): T | undefined => entries.get(key)?.value as T | undefined;
  return {
    environment,
    server: {
      host: get("server.host"),
      port: get("server.port"),
      bodyLimitBytes: get<number>("server.body_limit_mb") * 1024 * 1024,
      keepaliveIntervalMs: get("server.keepalive_interval_ms"),
      websocketPingIntervalMs: get("server.websocket_ping_interval_ms"),
      shutdownGraceMs: get("server.shutdown_grace_ms"),
      corsOrigins: validateCorsOrigins(get("server.cors_origins"), entries.get("server.cors_origins")?.source ?? "defaults"),
    },
    multiport: {
      enabled: get("multiport.enabled"),
      enableFacade: get("multiport.enable_facade"),
      ports: { facade: get("server.port"), admin: get("multiport.admin_port"), openai: get("multiport.openai_port"), anthropic: get("multiport.anthropic_port") },
      endpoints: {
        facade: get("multiport.facade_endpoints"),
        admin: get("multiport.admin_endpoints"),
        openai: get("multiport.openai_endpoints"),
        anthropic: get("multiport.anthropic_endpoints"),
      },
    },
    workMode: get("gateway.work_mode"),
    dataDir: expandHome(get("gateway.data_dir")),
    marketplaceEnabled: get("gateway.marketplace_enabled"),
    defaultMaxTokens: get("gateway.default_max_tokens"),
    anthropicPromptCache: get("gateway.anthropic_prompt_cache"),
    exposeReasoning: get("gateway.expose_reasoning"),
    unsupportedLogprobs: get("gateway.unsupported_logprobs"),
    streamOpeningWindowMs: get("gateway.stream_opening_window_ms"),
    fileUrls: { maxBytes: get<number>("gateway.file_url_max_mb") * 1024 * 1024, timeoutMs: get("gateway.file_url_timeout_ms"), privateHosts: get("gateway.file_url_private_hosts") },
    metrics: { enabled: get("metrics.enabled"), public: get("metrics.public"), maxSeries: get("metrics.max_series") },
    log: { level: get("log.level"), file: get("log.file"), rotateSize: validateRotateSize(get("log.rotate_size"), entries.get("log.rotate_size")?.source ?? "built-in defaults"), rotateKeep: get("log.rotate_keep") },
    upstream: {
      connectTimeoutMs: get("upstream.connect_timeout_ms"),
      responseTimeoutMs: get("upstream.response_timeout_ms"),
      firstByteTimeoutMs: get("upstream.first_byte_timeout_ms"),
      idleTimeoutMs: get("upstream.idle_timeout_ms"),
      client: get("upstream.client"),
    },
    auth: { disabled: optional("auth.disabled"), adminEmail: get("auth.admin_email"), outageGraceSeconds: get("auth.outage_grace_seconds") },
    databaseUrl: validateDatabaseUrl(get("database.url"), entries.get("database.url")?.source ?? "built-in defaults"),
    sqliteSynchronous: get("database.sqlite_synchronous"),
    pgSilenceTimeoutMs: get("database.pg_silence_timeout_ms"),
    pgRequestTimeoutMs: get("database.pg_request_timeout_ms"),
    ledger: { pricesFile: validatePricesFile(get<string>("ledger.prices_file") ? expandHome(get("ledger.prices_file")) : "", entries.get("ledger.prices_file")?.source ?? "built-in defaults") },
    limits: { defaultOutputTokens: get("limits.default_output_tokens"), reservationTtlSeconds: get("limits.reservation_ttl_seconds"), ...redisRatesOf(get, entries) },
    responses: { storeRetentionHours: get("responses.store_retention_hours"), backgroundPolling: backgroundPollingOf(get, entries) },
    routing: {
      routes: get("routing.routes"),
      aliases: get("routing.aliases"),
      smallModel: get("routing.small_model"),
      bigModel: get("routing.big_model"),
      listUpstreamModels: get("routing.list_upstream_models"),
      cooldownFailures: get("routing.cooldown_failures"),
      cooldownSeconds: get("routing.cooldown_seconds"),
    },
    providers: buildProviders(entries),
    models: buildModelOverrides(entries),
    agents: buildAgentsConfig(get),
  };
}

/**
 * Build the route table once here, so a bad route or alias stops the start naming its key and
 * the layer it came from (`routing.routes from env TOKLIGENCE_ROUTES: invalid route …`).
 */
function checkRouting(config: GatewayConfig, entries: Map<string, SourcedValue>): void {
  try {
    new ModelRouter(config);
  } catch (error) {
    if (!(error instanceof ConfigError) || !error.key) throw error;
    throw new ConfigError(`${error.key} from ${entries.get(error.key)?.source ?? "built-in defaults"}: ${error.message}`);
  }
}

/**
 * How native OpenAI background runs are followed (BackgroundPolling). A first wait longer than
 * the longest would be stretched past it by nothing and cut by nothing: refused, naming both keys.
 */
function backgroundPollingOf(get: <T>(key: string) => T, entries: Map<string, SourcedValue>): GatewayConfig["responses"]["backgroundPolling"] {
  const firstDelayMs = get<number>("responses.background_poll_first_ms");
  const maxDelayMs = get<number>("responses.background_poll_max_ms");
  if (firstDelayMs > maxDelayMs) {
    const sourceOf = (key: string) => entries.get(key)?.source ?? "built-in defaults";
    throw new ConfigError(
      `responses.background_poll_first_ms (${firstDelayMs}, from ${sourceOf("responses.background_poll_first_ms")}) is above responses.background_poll_max_ms (${maxDelayMs}, from ${sourceOf("responses.background_poll_max_ms")}) (allowed: first at most max)`,
    );
  }
  return { firstDelayMs, maxDelayMs, limitMs: get<number>("responses.background_follow_limit_seconds") * 1000 };
}

/** Schemes Bun's Redis client connects to (bun-types docs/runtime/redis.mdx, "Supported URL Formats"). */
const REDIS_SCHEMES = ["redis:", "rediss:", "redis+tls:", "redis+unix:", "redis+tls+unix:", "valkey:", "valkeys:"];

/**
 * Shared rate windows when limits.redis_url is set. A malformed URL stops the start, without
 * echoing it (it may hold a password): a typo must not quietly leave every replica on its own
 * windows, which is what an unreachable Redis does on purpose.
 */
function redisRatesOf(get: <T>(key: string) => T, entries: Map<string, SourcedValue>): Pick<GatewayConfig["limits"], "redis"> {
  const url = get<string>("limits.redis_url").trim();
  if (url === "") return {};
  let scheme: string | undefined;
  try {
    scheme = new URL(url).protocol.toLowerCase();
  } catch {}
  if (!scheme || !REDIS_SCHEMES.includes(scheme)) {
    const source = entries.get("limits.redis_url")?.source ?? "built-in defaults";
    throw new ConfigError(`invalid value for limits.redis_url from ${source}: not a Redis URL (allowed: redis://[user:password@]host[:port][/db], rediss:// for TLS, redis+unix:///path/to/socket)`);
  }
  return { redis: { url, timeoutMs: get("limits.redis_timeout_ms"), keyPrefix: get("limits.redis_key_prefix") } };
}

/** A database URL the store cannot open stops the start here, naming the key and layer; only the scheme is echoed (the URL may hold a password). */
function validateDatabaseUrl(url: string, source: string): string {
  const scheme = unsupportedDatabaseScheme(url);
  if (scheme) throw new ConfigError(`invalid value for database.url from ${source}: scheme "${scheme}://" (allowed: ${ALLOWED_DATABASE_URLS})`);
  return url;
}

/** pino-roll's size: a positive number with an optional k, m or g unit. */
function validateRotateSize(size: string, source: string): string {
  if (/^[1-9][0-9]*[kmg]?$/i.test(size.trim())) return size.trim();
  throw new ConfigError(`invalid value for log.rotate_size from ${source}: ${JSON.stringify(size)} (allowed: a positive size such as "50m", "500k" or "1g")`);
}

/** A prices file that is named must exist: a typo would otherwise price every row with the built-in table, or crash later. */
function validatePricesFile(path: string, source: string): string {
  if (path !== "" && !existsSync(path)) throw new ConfigError(`ledger.prices_file from ${source}: file not found: ${path}`);
  return path;
}

/**
 * Each entry an exact origin (`https://app.example.com`, `http://localhost:5173`). `*` and `null`
 * are refused: with auth off on a workstation, either would let any web page the user opens
 * spend the provider keys behind the gateway (reliability-anchors §2.16).
 */
function validateCorsOrigins(origins: string[], source: string): string[] {
  return origins.map((entry) => {
    // A browser's Origin header never ends in a slash; a listed one may.
    const origin = entry.replace(/\/$/, "");
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {}
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.origin !== origin) {
      throw new ConfigError(
        `server.cors_origins from ${source}: ${JSON.stringify(entry)} is not an exact origin (allowed: scheme://host[:port], e.g. "http://localhost:5173"; "*" and "null" are refused because any web page could then use the gateway)`,
      );
    }
    return origin;
  });
}

function buildAgentsConfig(get: <T>(key: string) => T): GatewayConfig["agents"] {
  const warnAt = get<number>("agents.tool_loop_warn_at");
  const stopAt = get<number>("agents.tool_loop_stop_at");
  if (warnAt > stopAt) throw new ConfigError(`agents.tool_loop_warn_at (${warnAt}) must not be greater than agents.tool_loop_stop_at (${stopAt})`);
  const wrapper = get<string[]>("agents.shell_wrapper");
  if (wrapper.length === 0) throw new ConfigError('agents.shell_wrapper must name a shell and its flags, e.g. ["bash", "-lc"]');
  return {
    toolLoop: { enabled: get("agents.tool_loop_detection"), warnAt, stopAt },
    shell: { enabled: get("agents.shell_normalization"), tools: get("agents.shell_tools"), wrapper },
    webSearchToAnthropic: get("agents.web_search_to_anthropic"),
    localShellAsFunction: get("agents.local_shell_as_function"),
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export { ConfigError };
