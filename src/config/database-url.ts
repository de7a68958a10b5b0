/**
 * Which database.url values the store can open: a postgres:// or postgresql:// URL, a SQLite
 * path (also written sqlite:path or sqlite://path), or empty for <data_dir>/gateway.db. Any other
 * `scheme://` (mysql://, a misspelt postgress://) is refused: it was once taken for a SQLite
 * path, and the gateway started on a new local file under "./mysql:/", each replica with its
 * own users. Checked when the configuration loads, so the error names the key and its layer.
 */
export const ALLOWED_DATABASE_URLS = "postgres://… or postgresql://… for PostgreSQL, or a SQLite file path, also as sqlite:…";

/** The scheme of a URL the store cannot open (`mysql`), else null. */
export function unsupportedDatabaseScheme(url: string): string | null {
  const trimmed = url.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return null;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1];
  return scheme && scheme.toLowerCase() !== "sqlite" ? scheme : null;
}
