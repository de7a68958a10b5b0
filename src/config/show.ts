import type { LoadedConfig } from "./load";

/** Redact a secret for display: never the value, only whether one is set. */
export function redactValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? "[]" : `[${value.map(() => '"***"').join(", ")}]`;
  if (value === "" || value === undefined) return '""';
  return '"***"';
}

/** Rows for `gateway config show`: key, displayed value (secrets redacted), source. */
export function describeConfig(loaded: LoadedConfig): Array<{ key: string; value: string; source: string }> {
  return [...loaded.entries.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, entry]) => ({ key, value: entry.secret ? redactValue(entry.value) : JSON.stringify(entry.value), source: entry.source }));
}
