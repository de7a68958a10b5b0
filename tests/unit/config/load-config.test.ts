import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../../src/config/load";
import { describeConfig, redactUrlCredentials } from "../../../src/config/show";
import { buildProxyDeps } from "../../../src/gateway";
import { createSilentLogger } from "../../../src/log/logger";
import { DEFAULT_BACKGROUND_POLLING } from "../../../src/proxy/background-runs";
import { openConfiguredStore } from "../../../src/store/open-configured-store";
import { resolveDatabaseTarget } from "../../../src/store/open-store";

const dir = mkdtempSync(join(tmpdir(), "gw-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noDir = join(dir, "none");

describe("layered configuration", () => {
  test("built-in defaults when nothing else is given", () => {
    const { config } = loadConfig({ env: {}, configDir: noDir });
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 8081 });
    expect(config.workMode).toBe("auto");
    expect(config.dataDir).toBe(join(homedir(), ".tokligence"));
    expect(config.providers.find((p) => p.name === "openai")!.baseUrl).toBe("https://api.openai.com/v1");
    expect(config.providers.find((p) => p.name === "anthropic")!.anthropicVersion).toBe("2023-06-01");
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(config.upstream.client).toBe("auto");
    expect(config.upstream).toMatchObject({ connectTimeoutMs: 10_000, responseTimeoutMs: 600_000 });
    expect(config.anthropicPromptCache).toBe(true);
    expect(loadConfig({ configDir: noDir, env: { TOKLIGENCE_GATEWAY__ANTHROPIC_PROMPT_CACHE: "false" } }).config.anthropicPromptCache).toBe(false);
  });

  test("native background polling: the built-in schedule by default, configurable, first wait at most the longest; the gateway follows runs with it", () => {
    const defaults = loadConfig({ env: {}, configDir: noDir }).config.responses.backgroundPolling;
    expect({ ...DEFAULT_BACKGROUND_POLLING, ...defaults }).toEqual(DEFAULT_BACKGROUND_POLLING);
    const env = { TOKLIGENCE_RESPONSES__BACKGROUND_POLL_FIRST_MS: "200", TOKLIGENCE_RESPONSES__BACKGROUND_POLL_MAX_MS: "5000", TOKLIGENCE_RESPONSES__BACKGROUND_FOLLOW_LIMIT_SECONDS: "600" };
    const { config } = loadConfig({ configDir: noDir, env });
    expect(config.responses.backgroundPolling).toEqual({ firstDelayMs: 200, maxDelayMs: 5000, limitMs: 600_000 });
    expect(buildProxyDeps(config, createSilentLogger()).background!.polling).toEqual({ firstDelayMs: 200, maxDelayMs: 5000, limitMs: 600_000, orphanedAfterMs: DEFAULT_BACKGROUND_POLLING.orphanedAfterMs });
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_RESPONSES__BACKGROUND_POLL_FIRST_MS: "20000" } })).toThrow(/background_poll_first_ms \(20000, from env TOKLIGENCE_RESPONSES__BACKGROUND_POLL_FIRST_MS\) is above responses.background_poll_max_ms/);
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_RESPONSES__BACKGROUND_FOLLOW_LIMIT_SECONDS: "0" } })).toThrow(/background_follow_limit_seconds/);
  });

  test("metrics: on, behind the metrics scope, 1,000 label sets per metric by default; each key settable; a cap below 1 refused", () => {
    expect(loadConfig({ env: {}, configDir: noDir }).config.metrics).toEqual({ enabled: true, public: false, maxSeries: 1000 });
    const env = { TOKLIGENCE_METRICS__ENABLED: "false", TOKLIGENCE_METRICS__PUBLIC: "true", TOKLIGENCE_METRICS__MAX_SERIES: "5000" };
    expect(loadConfig({ configDir: noDir, env }).config.metrics).toEqual({ enabled: false, public: true, maxSeries: 5000 });
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_METRICS__MAX_SERIES: "0" } })).toThrow(/metrics.max_series from env TOKLIGENCE_METRICS__MAX_SERIES/);
  });

  test("upstream.client chooses the upstream HTTP client; anything but auto or fetch is refused", () => {
    expect(loadConfig({ configDir: noDir, env: { TOKLIGENCE_UPSTREAM__CLIENT: "fetch" } }).config.upstream.client).toBe("fetch");
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_UPSTREAM__CLIENT: "curl" } })).toThrow(/upstream\.client .*allowed: one of auto, fetch/);
  });

  test("enum values in any case, kept (and shown) in their canonical spelling; unknown values still refused", () => {
    const loaded = loadConfig({ configDir: noDir, env: { TOKLIGENCE_WORK_MODE: "Passthrough", TOKLIGENCE_UPSTREAM__CLIENT: " FETCH ", TOKLIGENCE_DATABASE__SQLITE_SYNCHRONOUS: "normal", TOKLIGENCE_GATEWAY__UNSUPPORTED_LOGPROBS: "Reject" } });
    expect(loaded.config.workMode).toBe("passthrough");
    expect(loaded.config.upstream.client).toBe("fetch");
    const shown = Object.fromEntries(describeConfig(loaded).map((row) => [row.key, row]));
    expect(shown["gateway.work_mode"]).toMatchObject({ value: "passthrough", source: "env TOKLIGENCE_WORK_MODE" });
    expect(shown["database.sqlite_synchronous"]!.value).toBe("NORMAL");
    expect(shown["gateway.unsupported_logprobs"]!.value).toBe("reject");
    const configDir = join(dir, "enum-case");
    require("node:fs").mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, "default.toml"), '[gateway]\nwork_mode = "TRANSLATION"\n[providers.groq]\nkind = "OpenAI-Compatible"\nbase_url = "https://api.groq.com/openai/v1"\n');
    const fromToml = loadConfig({ configDir, env: {} }).config;
    expect(fromToml.workMode).toBe("translation");
    expect(fromToml.providers.find((p) => p.name === "groq")!.kind).toBe("openai-compatible");
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_WORK_MODE: "Passthru" } })).toThrow(/invalid value for gateway\.work_mode from env TOKLIGENCE_WORK_MODE: "Passthru" \(allowed: one of auto, passthrough, translation\)/);
  });

  test("later layers win: config dir default → env overlay → --config → env vars → flags", () => {
    const configDir = join(dir, "layers");
    require("node:fs").mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, "default.toml"), '[server]\nport = 9001\nhost = "0.0.0.0"\n[gateway]\nwork_mode = "translation"\n');
    writeFileSync(join(configDir, "staging.toml"), "[server]\nport = 9002\n");
    writeFileSync(join(dir, "extra.toml"), "[server]\nport = 9003\n[log]\nlevel = \"debug\"\n");
    const base = { configDir, environment: "staging", configFile: join(dir, "extra.toml") };
    expect(loadConfig({ ...base, env: {} }).config.server.port).toBe(9003);
    expect(loadConfig({ ...base, env: { TOKLIGENCE_PORT: "9004" } }).config.server.port).toBe(9004);
    const loaded = loadConfig({ ...base, env: { TOKLIGENCE_PORT: "9004" }, flags: { port: 9005 } });
    expect(loaded.config.server.port).toBe(9005);
    expect(loaded.config.server.host).toBe("0.0.0.0");
    expect(loaded.config.workMode).toBe("translation");
    const rows = describeConfig(loaded);
    expect(rows.find((r) => r.key === "server.port")!.source).toBe("flag --port");
    expect(rows.find((r) => r.key === "server.host")!.source).toBe(join(configDir, "default.toml"));
    expect(rows.find((r) => r.key === "log.level")!.source).toBe(join(dir, "extra.toml"));
  });

  test("TOKLIGENCE_ENV picks the overlay", () => {
    const configDir = join(dir, "envsel");
    require("node:fs").mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, "prod.toml"), "[server]\nport = 7000\n");
    expect(loadConfig({ configDir, env: { TOKLIGENCE_ENV: "prod" } }).config.server.port).toBe(7000);
    expect(loadConfig({ configDir, env: {} }).config.environment).toBe("dev");
  });

  test("the original's environment names keep working", () => {
    const { config } = loadConfig({
      configDir: noDir,
      env: {
        TOKLIGENCE_HOST: "0.0.0.0",
        TOKLIGENCE_PORT: "8181",
        TOKLIGENCE_ROUTES: "gpt-*=>openai,claude*=>anthropic",
        TOKLIGENCE_MODEL_ALIASES: "claude*haiku*=>openai:gpt-4.1-mini",
        TOKLIGENCE_OPENAI_API_KEY: "sk-a,sk-b",
        TOKLIGENCE_OPENAI_BASE_URL: "http://127.0.0.1:1234/v1",
        TOKLIGENCE_OPENAI_ORG: "org-1",
        TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant",
        TOKLIGENCE_ANTHROPIC_BASE_URL: "http://127.0.0.1:1235",
        TOKLIGENCE_ANTHROPIC_VERSION: "2024-01-01",
        TOKLIGENCE_WORK_MODE: "passthrough",
        TOKLIGENCE_TIMEOUT: "45s",
        TOKLIGENCE_LOG_LEVEL: "DEBUG",
        TOKLIGENCE_DATA_DIR: "~/gwdata",
        TOKLIGENCE_MARKETPLACE_ENABLED: "true",
      },
    });
    expect(config.server).toMatchObject({ host: "0.0.0.0", port: 8181 });
    expect(config.routing.routes).toEqual(["gpt-*=>openai", "claude*=>anthropic"]);
    expect(config.routing.aliases).toEqual(["claude*haiku*=>openai:gpt-4.1-mini"]);
    const openai = config.providers.find((p) => p.name === "openai")!;
    expect(openai).toMatchObject({ apiKeys: ["sk-a", "sk-b"], baseUrl: "http://127.0.0.1:1234/v1", org: "org-1" });
    expect(config.providers.find((p) => p.name === "anthropic")).toMatchObject({ apiKeys: ["sk-ant"], anthropicVersion: "2024-01-01" });
    expect(config.workMode).toBe("passthrough");
    expect(config.upstream.responseTimeoutMs).toBe(45000);
    expect(config.upstream.connectTimeoutMs).toBe(10000);
    expect(config.log.level).toBe("debug");
    expect(config.dataDir).toBe(join(homedir(), "gwdata"));
    expect(config.marketplaceEnabled).toBe(true);
  });

  test("TOKLIGENCE_LEDGER_PATH, the original's ledger path, names the database: a SQLite file as well as a postgres:// DSN", async () => {
    const file = join(dir, "legacy", "ledger.db");
    const loaded = loadConfig({ configDir: noDir, env: { TOKLIGENCE_LEDGER_PATH: file } });
    // The same as the TOML key that names the database file.
    writeFileSync(join(dir, "database-file.toml"), `[database]\nurl = ${JSON.stringify(file)}\n`);
    expect(loaded.config.databaseUrl).toBe(loadConfig({ configDir: noDir, env: {}, configFile: join(dir, "database-file.toml") }).config.databaseUrl);
    expect(describeConfig(loaded).find((row) => row.key === "database.url")!.source).toBe("env TOKLIGENCE_LEDGER_PATH");
    const store = await openConfiguredStore(loaded.config);
    try {
      expect({ dialect: store.dialect, location: store.location }).toEqual({ dialect: "sqlite", location: file });
      expect(existsSync(file)).toBe(true);
    } finally {
      await store.close();
    }
    // `~` is the home directory, as everywhere else (the original made a literal "~" folder).
    const home = loadConfig({ configDir: noDir, env: { TOKLIGENCE_LEDGER_PATH: "~/.tokligence/ledger.db" } });
    expect(resolveDatabaseTarget({ databaseUrl: home.config.databaseUrl })).toEqual({ dialect: "sqlite", path: join(homedir(), ".tokligence", "ledger.db") });
    expect(loadConfig({ configDir: noDir, env: { TOKLIGENCE_LEDGER_PATH: "postgres://u:pw@db/gw" } }).config.databaseUrl).toBe("postgres://u:pw@db/gw");
  });

  test("TOKLIGENCE_DATABASE_URL wins over TOKLIGENCE_LEDGER_PATH whichever comes first in the environment", () => {
    const url = "postgres://u:pw@db/gw";
    for (const env of [{ TOKLIGENCE_LEDGER_PATH: "/srv/ledger.db", TOKLIGENCE_DATABASE_URL: url }, { TOKLIGENCE_DATABASE_URL: url, TOKLIGENCE_LEDGER_PATH: "/srv/ledger.db" }]) {
      const loaded = loadConfig({ configDir: noDir, env });
      expect(loaded.config.databaseUrl).toBe(url);
      expect(describeConfig(loaded).find((row) => row.key === "database.url")!.source).toBe("env TOKLIGENCE_DATABASE_URL");
    }
  });

  test("variables naming one key never depend on the environment's order: generic name, then TOKLIGENCE_PORT, then TOKLIGENCE_FACADE_PORT", () => {
    const portFrom = (entries: Array<[string, string]>) => {
      const loaded = loadConfig({ configDir: noDir, env: Object.fromEntries(entries) });
      return { port: loaded.config.server.port, source: describeConfig(loaded).find((row) => row.key === "server.port")!.source };
    };
    const facade: [string, string] = ["TOKLIGENCE_FACADE_PORT", "9001"];
    const named: [string, string] = ["TOKLIGENCE_PORT", "9002"];
    const generic: [string, string] = ["TOKLIGENCE_SERVER__PORT", "9003"];
    for (const order of [[facade, named], [named, facade]]) expect(portFrom(order)).toEqual({ port: 9002, source: "env TOKLIGENCE_PORT" });
    for (const order of [[generic, named, facade], [facade, named, generic], [named, generic, facade]]) expect(portFrom(order)).toEqual({ port: 9003, source: "env TOKLIGENCE_SERVER__PORT" });
    expect(portFrom([facade])).toEqual({ port: 9001, source: "env TOKLIGENCE_FACADE_PORT" });
  });

  test("a bad value is an error naming the key, the layer and what is allowed", () => {
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_PORT: "eighty" } })).toThrow(/server\.port from env TOKLIGENCE_PORT: "eighty" \(allowed: an integer from 0 to 65535\)/);
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_WORK_MODE: "magic" } })).toThrow(/allowed: one of auto, passthrough, translation/);
    writeFileSync(join(dir, "bad.toml"), "[server]\nportt = 1\n");
    expect(() => loadConfig({ configDir: noDir, env: {}, configFile: join(dir, "bad.toml") })).toThrow(/unknown configuration key server\.portt/);
    // The nearest key, and where to see them all (config/README.md is not on disk for pip, npm or Docker users).
    expect(() => loadConfig({ configDir: noDir, env: {}, configFile: join(dir, "bad.toml") })).toThrow(/server\.portt .*; did you mean server\.port\? \(`gateway config show` lists every key/);
    writeFileSync(join(dir, "bad-provider.toml"), "[providers.deepseek]\nkind = \"openai-compatible\"\nbase_url = \"http://x/v1\"\napi_key = \"k\"\n");
    expect(() => loadConfig({ configDir: noDir, env: {}, configFile: join(dir, "bad-provider.toml") })).toThrow(/did you mean providers\.deepseek\.api_keys\?/);
    writeFileSync(join(dir, "far.toml"), "[nothing]\nlike_it = 1\n");
    expect(() => loadConfig({ configDir: noDir, env: {}, configFile: join(dir, "far.toml") })).toThrow(/unknown configuration key nothing\.like_it \(from [^)]*\) \(`gateway config show`/);
    writeFileSync(join(dir, "broken.toml"), "[server\n");
    expect(() => loadConfig({ configDir: noDir, env: {}, configFile: join(dir, "broken.toml") })).toThrow(ConfigError);
    expect(() => loadConfig({ configDir: noDir, env: {}, configFile: join(dir, "missing.toml") })).toThrow(/config file not found/);
  });

  test("values checked beyond their type also name key and layer: routes, aliases, rotate size, prices file, flags as typed", () => {
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_ROUTES: "garbage" } })).toThrow(/^routing\.routes from env TOKLIGENCE_ROUTES: invalid route "garbage"/);
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_MODEL_ALIASES: "x=>nobody:y" } })).toThrow(/^routing\.aliases from env TOKLIGENCE_MODEL_ALIASES: alias "x=>nobody:y" names provider "nobody"/);
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_LOG__ROTATE_SIZE: "lots" } })).toThrow(/log\.rotate_size from env TOKLIGENCE_LOG__ROTATE_SIZE: "lots"/);
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_LOG__ROTATE_SIZE: "0" } })).toThrow(/log\.rotate_size/);
    expect(loadConfig({ configDir: noDir, env: { TOKLIGENCE_LOG__ROTATE_SIZE: "10M" } }).config.log.rotateSize).toBe("10M");
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_LEDGER__PRICES_FILE: join(dir, "no-prices.toml") } })).toThrow(/ledger\.prices_file from env TOKLIGENCE_LEDGER__PRICES_FILE: file not found/);
    expect(() => loadConfig({ configDir: noDir, env: {}, flags: { port: "eighty" } })).toThrow(/server\.port from flag --port: "eighty"/);
    expect(loadConfig({ configDir: noDir, env: {}, flags: { logLevel: "INFO" } }).config.log.level).toBe("info");
  });

  test("named OpenAI-compatible providers from TOML, with env: secret references", () => {
    writeFileSync(join(dir, "providers.toml"), '[providers.deepseek]\nkind = "openai-compatible"\nbase_url = "https://api.deepseek.com/v1"\napi_keys = ["env:DS_KEY"]\nmodels = ["deepseek-*"]\n');
    const { config } = loadConfig({ configDir: noDir, env: { DS_KEY: "sk-ds-1,sk-ds-2" }, configFile: join(dir, "providers.toml") });
    expect(config.providers.find((p) => p.name === "deepseek")).toMatchObject({ kind: "openai-compatible", apiKeys: ["sk-ds-1", "sk-ds-2"], protocols: ["openai-chat"], models: ["deepseek-*"] });
  });

  test("config show redacts every secret", () => {
    const loaded = loadConfig({ configDir: noDir, env: { TOKLIGENCE_OPENAI_API_KEY: "sk-very-secret-1", TOKLIGENCE_DATABASE_URL: "postgres://u:pw@h/db" } });
    const text = JSON.stringify(describeConfig(loaded));
    expect(text).not.toContain("sk-very-secret-1");
    expect(text).not.toContain("pw@h");
    expect(describeConfig(loaded).find((r) => r.key === "providers.openai.api_keys")!.value).toEqual(["***"]);
  });

  test("config show keeps what a user checks in database.url and provider headers, hiding only the secret part", () => {
    const shown = (env: Record<string, string>, key: string) => describeConfig(loadConfig({ configDir: noDir, env })).find((row) => row.key === key)!.value;
    expect(shown({ TOKLIGENCE_LEDGER_PATH: "/app/data/ledger.db" }, "database.url")).toBe("/app/data/ledger.db");
    expect(shown({ TOKLIGENCE_DATABASE_URL: "postgres://ops:pw-SECRET@db:5432/gw?sslmode=require&password=q-SECRET" }, "database.url")).toBe("postgres://ops:***@db:5432/gw?sslmode=require&password=***");
    const headers = { TOKLIGENCE_PROVIDERS__OPENAI__HEADERS: "HTTP-Referer: https://example.com,X-Api-Token: t-SECRET" };
    expect(shown(headers, "providers.openai.headers")).toEqual(["HTTP-Referer: ***", "X-Api-Token: ***"]);
  });

  test("limits.redis_url: off by default; from TOKLIGENCE_REDIS_URL or the generic name; shown without its password; a malformed one stops the start without echoing it", () => {
    const defaults = loadConfig({ env: {}, configDir: noDir }).config.limits;
    expect(defaults.redis).toBeUndefined();
    const loaded = loadConfig({ configDir: noDir, env: { TOKLIGENCE_REDIS_URL: "redis://gw:pw-SECRET@cache.internal:6379/2", TOKLIGENCE_LIMITS__REDIS_TIMEOUT_MS: "20" } });
    expect(loaded.config.limits.redis).toEqual({ url: "redis://gw:pw-SECRET@cache.internal:6379/2", timeoutMs: 20, keyPrefix: "tokligence:" });
    const rows = describeConfig(loaded);
    expect(JSON.stringify(rows)).not.toContain("pw-SECRET");
    expect(rows.find((row) => row.key === "limits.redis_url")).toMatchObject({ value: "redis://gw:***@cache.internal:6379/2", source: "env TOKLIGENCE_REDIS_URL" });
    const generic = loadConfig({ configDir: noDir, env: { TOKLIGENCE_LIMITS__REDIS_URL: "rediss://:only-SECRET@cache:6380", TOKLIGENCE_LIMITS__REDIS_KEY_PREFIX: "team-a:" } });
    expect(generic.config.limits.redis).toMatchObject({ url: "rediss://:only-SECRET@cache:6380", timeoutMs: 50, keyPrefix: "team-a:" });
    expect(describeConfig(generic).find((row) => row.key === "limits.redis_url")!.value).toBe("rediss://:***@cache:6380");
    let message = "";
    try {
      loadConfig({ configDir: noDir, env: { TOKLIGENCE_REDIS_URL: "cache.internal:6379 pw-SECRET" } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("invalid value for limits.redis_url from env TOKLIGENCE_REDIS_URL: not a Redis URL");
    expect(message).not.toContain("pw-SECRET");
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_REDIS_URL: "http://cache:6379" } })).toThrow(/not a Redis URL/);
    expect(() => loadConfig({ configDir: noDir, env: { TOKLIGENCE_LIMITS__REDIS_TIMEOUT_MS: "0" } })).toThrow(/redis_timeout_ms/);
  });

  test("config show hides credentials inside provider URLs, and --json rows keep their types", () => {
    const loaded = loadConfig({ configDir: noDir, env: { TOKLIGENCE_OPENAI_BASE_URL: "http://proxyuser:basepass-SECRET@127.0.0.1:3128/v1", TOKLIGENCE_PORT: "9010" } });
    const rows = describeConfig(loaded);
    expect(JSON.stringify(rows)).not.toContain("basepass-SECRET");
    expect(rows.find((r) => r.key === "providers.openai.base_url")!.value).toBe("http://***@127.0.0.1:3128/v1");
    expect(rows.find((r) => r.key === "server.port")!.value).toBe(9010);
    expect(redactUrlCredentials("see https://a:b@x.io/v1 and http://tok@y")).toBe("see https://***@x.io/v1 and http://***@y");
  });
});

describe("shipped configuration files", () => {
  test("config/examples.toml is valid and builds a router", async () => {
    const env = { OPENAI_API_KEY: "a", ANTHROPIC_API_KEY: "b", DEEPSEEK_API_KEY: "c", MISTRAL_API_KEY: "g", GROQ_API_KEY: "d", GEMINI_API_KEY: "e", XAI_API_KEY: "x", OPENROUTER_API_KEY: "f" };
    const { config } = loadConfig({ configDir: noDir, env, configFile: join(import.meta.dir, "../../../config/examples.toml") });
    const { ModelRouter } = await import("../../../src/routing/router");
    const router = new ModelRouter(config);
    expect(router.resolve("claude-3-5-haiku-latest", "anthropic").targets[0]).toMatchObject({ providerName: "deepseek", upstreamModel: "deepseek-v4-flash" });
    expect(router.resolve("claude-opus-4", "anthropic").targets.map((t) => t.providerName)).toEqual(["anthropic", "openrouter"]);
    expect(router.resolve("gemini-2.5-pro", "openai-chat").targets[0]!.providerName).toBe("gemini");
    expect(router.resolve("grok-4", "openai-chat").targets[0]!.providerName).toBe("xai");
    expect(config.providers.find((p) => p.name === "gemini")!.chatDialect.name).toBe("gemini");
    expect(config.providers.find((p) => p.name === "xai")!.chatDialect.name).toBe("xai");
    expect(config.providers.find((p) => p.name === "deepseek_anthropic")!.anthropicCompat).toMatchObject({ name: "deepseek", dropCacheControl: true, dropAnthropicBeta: true });
  });

  test("config/examples.toml without its variables names every unset one in one error, not one per start", () => {
    const attempt = () => loadConfig({ configDir: noDir, env: { OPENAI_API_KEY: "a" }, configFile: join(import.meta.dir, "../../../config/examples.toml") });
    expect(attempt).toThrow(/^these environment variables are referred to as "env:NAME" but not set: ANTHROPIC_API_KEY \(providers\.anthropic\.api_keys from .*examples\.toml\), DEEPSEEK_API_KEY .*MISTRAL_API_KEY .*GROQ_API_KEY .*GEMINI_API_KEY .*XAI_API_KEY .*OPENROUTER_API_KEY .*; set them, or remove the entries you do not use$/);
  });

  test("an unset reference on a typed key is reported as unset, not as an invalid empty value", () => {
    writeFileSync(join(dir, "port-ref.toml"), '[server]\nport = "env:GW_PORT"\n');
    expect(() => loadConfig({ configDir: noDir, env: {}, configFile: join(dir, "port-ref.toml") })).toThrow(/^server\.port from .*port-ref\.toml refers to environment variable GW_PORT, which is not set$/);
  });

  test("config/prices.toml given as --config is named as the price table it is", () => {
    const attempt = () => loadConfig({ configDir: noDir, env: {}, configFile: join(import.meta.dir, "../../../config/prices.toml") });
    expect(attempt).toThrow(/config\/prices\.toml is a price table, not a configuration file: name it with ledger\.prices_file \(or TOKLIGENCE_LEDGER__PRICES_FILE\) instead of --config$/);
  });

  test("an environment chosen without its overlay file is a warning naming the overlays there; none when the folder has none", () => {
    const configDir = join(import.meta.dir, "../../../config");
    expect(loadConfig({ configDir, env: {}, environment: "prdo" }).warnings).toEqual([`environment "prdo" (from --env) has no ${join(configDir, "prdo.toml")}, so no overlay applies; overlays there: dev, prod`]);
    expect(loadConfig({ configDir, env: { TOKLIGENCE_ENV: "prod" } }).warnings).toEqual([]);
    expect(loadConfig({ configDir, env: {} }).warnings).toEqual([]);
    // The Docker image: TOKLIGENCE_ENV=prod over an empty /etc/tokligence.
    const empty = mkdtempSync(join(tmpdir(), "gw-empty-config-"));
    expect(loadConfig({ configDir: empty, env: { TOKLIGENCE_ENV: "prod" } }).warnings).toEqual([]);
    rmSync(empty, { recursive: true });
  });

  test("config/dev.toml and config/prod.toml are valid overlays", () => {
    const configDir = join(import.meta.dir, "../../../config");
    expect(loadConfig({ configDir, env: {} }).config.environment).toBe("dev");
    expect(loadConfig({ configDir, env: { TOKLIGENCE_ENV: "prod" } }).config.log.level).toBe("info");
  });
});
