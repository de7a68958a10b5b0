import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * A warning when an environment was chosen (--env or TOKLIGENCE_ENV) but its overlay file is not
 * there while the folder holds others: `--env prdo` beside config/prod.toml used to run on the
 * defaults without a word. An empty or missing folder (the Docker image's /etc/tokligence, a
 * binary run outside a checkout) is normal and says nothing.
 */
export function missingOverlayWarning(configDir: string, environment: string, chosen: string | undefined): string | undefined {
  if (chosen === undefined || !existsSync(configDir)) return undefined;
  if (existsSync(join(configDir, `${environment}.toml`))) return undefined;
  const overlays = readdirSync(configDir)
    .filter((name) => name.endsWith(".toml") && name !== "default.toml" && name !== "prices.toml" && name !== "examples.toml")
    .map((name) => name.slice(0, -".toml".length));
  if (overlays.length === 0) return undefined;
  return `environment ${JSON.stringify(environment)} (from ${chosen}) has no ${join(configDir, `${environment}.toml`)}, so no overlay applies; overlays there: ${overlays.sort().join(", ")}`;
}
