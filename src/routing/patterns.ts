/**
 * Model-name patterns as in the original gateway: exact, `prefix*`, `*suffix`, `*contains*`,
 * and (our extension, which the seeds' `claude*haiku*` alias needs) any glob of `*` wildcards.
 * Matching is case-insensitive.
 */
export interface ModelPattern {
  source: string;
  exact: boolean;
  test(model: string): boolean;
}

export function compilePattern(source: string): ModelPattern {
  const lowered = source.trim().toLowerCase();
  if (!lowered.includes("*")) return { source, exact: true, test: (model) => model.toLowerCase() === lowered };
  const escaped = lowered.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  const regex = new RegExp(`^${escaped.join(".*")}$`, "i");
  return { source, exact: false, test: (model) => regex.test(model) };
}

const compiledPatterns = new Map<string, ModelPattern>();

/** compilePattern, memoised: for pattern lists read from config on the request path. */
export function cachedPattern(source: string): ModelPattern {
  let pattern = compiledPatterns.get(source);
  if (!pattern) {
    pattern = compilePattern(source);
    compiledPatterns.set(source, pattern);
  }
  return pattern;
}

/** Split a `pattern=>target` or `pattern=target` entry. */
export function splitRuleEntry(entry: string): { pattern: string; target: string } | undefined {
  const arrow = entry.indexOf("=>");
  const [pattern, target] = arrow >= 0 ? [entry.slice(0, arrow), entry.slice(arrow + 2)] : [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)];
  if (entry.indexOf("=") < 0 || !pattern?.trim() || !target?.trim()) return undefined;
  return { pattern: pattern.trim(), target: target.trim() };
}

/** An ordered rule table: exact entries win, then patterns in the order given. */
export class RuleTable<T> {
  private readonly exact = new Map<string, T>();
  /** Exact names as configured: matching ignores case, but upstreams such as vLLM do not. */
  private readonly spellings: string[] = [];
  private readonly patterns: Array<{ pattern: ModelPattern; value: T }> = [];

  add(pattern: string, value: T): void {
    const compiled = compilePattern(pattern);
    if (compiled.exact) {
      // The first definition of an exact name wins, like the first matching pattern does.
      if (!this.exact.has(pattern.toLowerCase())) {
        this.exact.set(pattern.toLowerCase(), value);
        this.spellings.push(pattern);
      }
    } else {
      this.patterns.push({ pattern: compiled, value });
    }
  }

  find(model: string): T | undefined {
    const exact = this.exact.get(model.toLowerCase());
    if (exact !== undefined) return exact;
    return this.patterns.find((entry) => entry.pattern.test(model))?.value;
  }

  /** Exact names as configured, for /v1/models. */
  exactNames(): string[] {
    return [...this.spellings];
  }
}
