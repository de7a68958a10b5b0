/** An "env:NAME" reference whose variable is not set, collected so all are reported at once. */
export interface UnsetReference {
  key: string;
  source: string;
  name: string;
}

/** Resolve "env:NAME" references so secrets can live outside config files. */
export function resolveEnvReference(value: unknown, env: Record<string, string | undefined>, key: string, source: string, unset: UnsetReference[]): unknown {
  if (typeof value === "string" && value.startsWith("env:")) {
    const name = value.slice(4);
    const resolved = env[name];
    if (resolved === undefined) {
      unset.push({ key, source, name });
      return "";
    }
    return resolved;
  }
  if (Array.isArray(value)) return value.flatMap((item) => {
    const resolved = resolveEnvReference(item, env, key, source, unset);
    // A referenced list variable may hold several comma-separated keys.
    return typeof resolved === "string" && typeof item === "string" && item.startsWith("env:") ? resolved.split(",").map((s) => s.trim()).filter(Boolean) : [resolved];
  });
  return value;
}

/**
 * Every unset variable at once: config/examples.toml names six, and reporting them one per start
 * made a user set them one by one.
 */
export function unsetReferencesMessage(unset: UnsetReference[]): string {
  if (unset.length === 1) return `${unset[0]!.key} from ${unset[0]!.source} refers to environment variable ${unset[0]!.name}, which is not set`;
  const list = unset.map(({ key, source, name }) => `${name} (${key} from ${source})`).join(", ");
  return `these environment variables are referred to as "env:NAME" but not set: ${list}; set them, or remove the entries you do not use`;
}
