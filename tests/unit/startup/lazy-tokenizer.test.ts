import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * gpt-tokenizer's o200k table costs ~0.3 s and ~40 MB to evaluate. Start-up must not pay it (the
 * cold start went from 1.0 s to 0.07 s when it became lazy, and a static import of it crept back
 * once, making it 0.4 s): only dynamic `import()`s, on the first request that needs an estimate,
 * may reach it. This walks the static import graph of the binary's entry point.
 */
const root = resolve(import.meta.dir, "../../..");
// Static imports and re-exports with a value part (`import type` / `export type` load nothing).
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm;

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) if (existsSync(candidate) && candidate.endsWith(".ts")) return candidate;
  return undefined;
}

function staticPackages(entry: string): Map<string, string> {
  const packages = new Map<string, string>(); // package → first file importing it
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(STATIC_IMPORT)) {
      if (specifier!.startsWith(".")) {
        const local = resolveLocal(file, specifier!);
        if (local) queue.push(local);
      } else if (!packages.has(specifier!)) packages.set(specifier!, file.slice(root.length + 1));
    }
  }
  return packages;
}

test("start-up loads no tokenizer table: gpt-tokenizer is reached from src/main.ts only through dynamic import()", () => {
  const packages = staticPackages(join(root, "src/main.ts"));
  // The walk itself works: the framework and the database are static imports.
  expect(packages.has("elysia")).toBe(true);
  expect(packages.has("bun:sqlite")).toBe(true);
  const tokenizers = [...packages].filter(([name]) => name.startsWith("gpt-tokenizer"));
  expect(tokenizers).toEqual([]);
});
