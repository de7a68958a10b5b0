import { redactDatabaseUrl, resolveDatabaseTarget } from "./open-store";

/**
 * Where the database is, for a log line or a CLI error: the SQLite path, or the PostgreSQL URL
 * without its password; undefined when the setting names no database this gateway can use (the
 * error says why).
 */
export function describeDatabase(databaseUrl: string, dataDir: string): string | undefined {
  try {
    const target = resolveDatabaseTarget({ databaseUrl: databaseUrl || undefined, dataDir });
    return target.dialect === "postgres" ? redactDatabaseUrl(target.url) : target.path;
  } catch {
    return undefined;
  }
}
