// drizzle-kit config for the PostgreSQL migrations (run from the repository root; see src/store/README.md for the workflow).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/schema/pg.ts",
  out: "./src/store/migrations/sql/pg",
});
