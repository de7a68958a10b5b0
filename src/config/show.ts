import { isLoopbackHost, resolveAuthRequired } from "../auth/auth-required";
import type { LoadedConfig } from "./load";
import { shownDatabaseUrl, shownHeaders, shownRedisUrl } from "./shown-secrets";

/** Redact a secret for display: never the value, only whether one is set. */
export function redactValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? "[]" : `[${value.map(() => '"***"').join(", ")}]`;
  if (value === "" || value === undefined) return '""';
  return '"***"';
}

/**
 * Hide the user-info part of any URL in `text` (`http://user:pass@host` → `http://***@host`):
 * a provider's `base_url` is not a secret key, but operators do put credentials in it (a proxy's
 * basic auth), and those must not reach `config show` or the logs.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, "$1***@");
}

/** A value as shown: secrets reduced to whether they are set, credentials in URLs hidden. */
function shownValue(key: string, value: unknown, secret: boolean): unknown {
  if (key === "database.url" && typeof value === "string") return shownDatabaseUrl(value);
  if (key === "limits.redis_url" && typeof value === "string") return shownRedisUrl(value);
  if (/^providers\.[^.]+\.headers$/.test(key) && Array.isArray(value)) return shownHeaders(value as string[]);
  if (secret) return JSON.parse(redactValue(value));
  if (typeof value === "string") return redactUrlCredentials(value);
  if (Array.isArray(value)) return value.map((item) => (typeof item === "string" ? redactUrlCredentials(item) : item));
  return value;
}

/**
 * `auth.disabled` has no default value: unset, the listen address decides (auth-required.ts). It
 * was missing from `config show` then, though whether model endpoints need a key is what an
 * operator most wants to read there; its row says what the address makes of it.
 */
function unsetAuthRow(loaded: LoadedConfig): { key: string; value: unknown; source: string } {
  const host = loaded.config.server.host;
  const loopback = isLoopbackHost(host);
  const state = resolveAuthRequired(loaded.config) ? "on" : "off";
  return { key: "auth.disabled", value: null, source: `unset: auth ${state} on model endpoints (server.host ${host} ${loopback ? "is loopback only" : "is reachable beyond loopback"})` };
}

/** Rows for `gateway config show`: key, value (typed, for --json; secrets redacted), source. */
export function describeConfig(loaded: LoadedConfig): Array<{ key: string; value: unknown; source: string }> {
  const rows = [...loaded.entries.entries()].map(([key, entry]) => ({ key, value: shownValue(key, entry.value, entry.secret), source: entry.source }));
  if (!loaded.entries.has("auth.disabled")) rows.push(unsetAuthRow(loaded));
  return rows.sort((a, b) => a.key.localeCompare(b.key));
}

/** The same rows for the text table: values as JSON text. */
export function describeConfigText(loaded: LoadedConfig): Array<{ key: string; value: string; source: string }> {
  return describeConfig(loaded).map((row) => ({ ...row, value: JSON.stringify(row.value) }));
}
