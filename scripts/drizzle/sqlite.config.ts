// drizzle-kit config for the SQLite migrations (run from the repository root; see src/store/README.md for the workflow).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/store/schema/sqlite.ts",
  out: "./src/store/migrations/sql/sqlite",
});
