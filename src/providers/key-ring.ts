/**
 * Rotates through a provider's API keys and sets a key aside for its `retry-after` after a 429,
 * so one rate-limited key does not stall every request.
 */
export class KeyRing {
  private cursor = 0;
  private readonly coolingUntil = new Map<string, number>();

  constructor(private readonly keys: readonly string[], private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.keys.length;
  }

  /** The next key not cooling down; when all are cooling, the one that recovers first. */
  next(): string | undefined {
    if (this.keys.length === 0) return undefined;
    const now = this.now();
    for (let offset = 0; offset < this.keys.length; offset++) {
      const key = this.keys[(this.cursor + offset) % this.keys.length]!;
      if ((this.coolingUntil.get(key) ?? 0) <= now) {
        this.cursor = (this.cursor + offset + 1) % this.keys.length;
        return key;
      }
    }
    return [...this.keys].sort((a, b) => (this.coolingUntil.get(a) ?? 0) - (this.coolingUntil.get(b) ?? 0))[0];
  }

  /** Set `key` aside for `seconds` (from the upstream's retry-after; 30 s when it gave none). */
  coolDown(key: string, seconds: number | undefined): void {
    this.coolingUntil.set(key, this.now() + Math.max(1, seconds ?? 30) * 1000);
  }

  /** Whether another key is available right now besides `key`. */
  hasAlternativeTo(key: string): boolean {
    const now = this.now();
    return this.keys.some((other) => other !== key && (this.coolingUntil.get(other) ?? 0) <= now);
  }
}
