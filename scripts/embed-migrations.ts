// Regenerates src/store/migrations/embedded.ts from the drizzle-kit folders (run after
// `drizzle-kit generate --config scripts/drizzle/sqlite.config.ts` and `... scripts/drizzle/pg.config.ts`).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderEmbeddedMigrations } from "../src/store/migrations/render-embedded";

const root = join(import.meta.dir, "..");
writeFileSync(join(root, "src/store/migrations/embedded.ts"), renderEmbeddedMigrations(root));
console.log("wrote src/store/migrations/embedded.ts");
