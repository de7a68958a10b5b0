import { namedEnvVars } from "./env-map";
import { fixedKeys } from "./schema";
import type { GatewayConfig } from "./types";

/**
 * TOKLIGENCE_* variables that are not configuration keys but are read all the same: by the config
 * loader (which files), the multi-call binary, the npm and pip launchers, or a client (Codex's
 * `env_key` in the README).
 */
const readElsewhere = new Set(["TOKLIGENCE_ENV", "TOKLIGENCE_CONFIG", "TOKLIGENCE_CONFIG_DIR", "TOKLIGENCE_GATEWAY_BINARY", "TOKLIGENCE_INVOKED_AS", "TOKLIGENCE_KEY", "TOKLIGENCE_STOP_WITH_PARENT"]);

/** The providers' usual variables, which users set out of habit: the gateway reads its own names. */
const providerHabits: Record<string, { provider: string; ours: string }> = {
  OPENAI_API_KEY: { provider: "openai", ours: "TOKLIGENCE_OPENAI_API_KEY" },
  ANTHROPIC_API_KEY: { provider: "anthropic", ours: "TOKLIGENCE_ANTHROPIC_API_KEY" },
};

/** Levenshtein distance, for "did you mean" suggestions (here and for unknown keys in load.ts). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** Every variable name the gateway reads, for suggestions. */
function knownNames(): string[] {
  const generic = Object.keys(fixedKeys).map((key) => `TOKLIGENCE_${key.replace(".", "__").toUpperCase()}`);
  return [...Object.keys(namedEnvVars), ...readElsewhere, ...generic];
}

const words = (name: string) => name.split("_").filter(Boolean);

/**
 * The known name `name` most likely meant: one holding all of its words (OPENAI_KEY → OPENAI_API_KEY,
 * UPSTREAM_CLIENT → UPSTREAM__CLIENT) first, as a plain edit distance would rather offer
 * OPENAI_ORG; else the nearest by edit distance, when near enough to be a typo (LOGLEVEL).
 */
function closestName(name: string): string | undefined {
  const rest = name.slice("TOKLIGENCE_".length);
  const typed = words(rest);
  let best: { name: string; distance: number; holdsAllWords: boolean } | undefined;
  for (const known of knownNames()) {
    const knownRest = known.slice("TOKLIGENCE_".length);
    const holdsAllWords = typed.every((word) => words(knownRest).includes(word));
    const distance = editDistance(rest, knownRest);
    const better = !best || (holdsAllWords && !best.holdsAllWords) || (holdsAllWords === best.holdsAllWords && distance < best.distance);
    if (better) best = { name: known, distance, holdsAllWords };
  }
  if (!best) return undefined;
  return best.holdsAllWords || best.distance <= Math.max(2, Math.ceil(rest.length / 3)) ? best.name : undefined;
}

/**
 * Warnings about variables that look meant for the gateway but are not read. A typo in a config
 * file stops the start ("unknown configuration key"), and so does a generic
 * TOKLIGENCE_<SECTION>__<KEY> name; a named variable with a typo (TOKLIGENCE_OPENAI_KEY) or a
 * provider's own OPENAI_API_KEY was ignored without a word, and the user then met a 404 for every
 * model. Only warnings: other programs may share the environment.
 */
export function unreadEnvWarnings(env: Record<string, string | undefined>, config: Pick<GatewayConfig, "providers">): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (env[name] === undefined || !name.startsWith("TOKLIGENCE_") || name.includes("__")) continue;
    if (namedEnvVars[name] || readElsewhere.has(name)) continue;
    if (name === "TOKLIGENCE_IDENTITY_PATH") {
      warnings.push("TOKLIGENCE_IDENTITY_PATH is not read: users and keys live in the one database with the ledger (database.url, TOKLIGENCE_DATABASE_URL)");
      continue;
    }
    const suggestion = closestName(name);
    warnings.push(`${name} is not a variable this gateway reads${suggestion ? `; did you mean ${suggestion}?` : " (any key of `gateway config show` is set by TOKLIGENCE_ and its name in capitals with __ for the dot, e.g. TOKLIGENCE_SERVER__PORT)"}`);
  }
  for (const [habit, { provider, ours }] of Object.entries(providerHabits)) {
    const keys = config.providers.find((candidate) => candidate.name === provider)?.apiKeys;
    if (env[habit] && keys !== undefined && keys.length === 0) {
      warnings.push(`${habit} is set but not read: the gateway takes the ${provider} key from ${ours} (or api_keys = ["env:${habit}"] under [providers.${provider}])`);
    }
  }
  return warnings;
}
