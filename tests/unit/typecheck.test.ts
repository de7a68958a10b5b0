import { expect, test } from "bun:test";
import { join } from "node:path";

/**
 * Bun runs TypeScript without checking types, so nothing else catches a type error: this runs the
 * same check as `npm run typecheck` (tsc over src, cli, scripts and tests) and fails with the
 * compiler's own output.
 */
const repoRoot = join(import.meta.dir, "..", "..");

test(
  "the whole tree type-checks (tsc -p scripts/typecheck/tsconfig.json)",
  async () => {
    const tsc = Bun.spawn([join(repoRoot, "node_modules", ".bin", "tsc"), "-p", join(repoRoot, "scripts", "typecheck", "tsconfig.json")], {
      cwd: repoRoot,
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
    });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(tsc.stdout).text(), new Response(tsc.stderr).text(), tsc.exited]);
    const output = `${stdout}${stderr}`.trim();
    expect(exitCode, `tsc exited with ${exitCode}:\n${output}`).toBe(0);
  },
  60_000,
);
