import type { ModelOverride } from "../config/types";
import { RuleTable } from "../routing/patterns";
import { applyModelOverride, type ModelCapabilities } from "../translate/model-capabilities";
import { findModelFamily } from "../translate/model-families";

/** Bounds on what is remembered: model names come from clients (through pattern routes). */
const MAX_REMEMBERED = 1024;

/**
 * The capability table for translated requests: the built-in families with the operator's
 * `[models."<name or pattern>"]` entries over them (exact names first, then patterns in order,
 * as routes). Built once at start (the configuration is frozen), so a name resolves the same way
 * every time and is remembered; it also remembers which limits it has told the operator about.
 */
export class ModelCapabilityTable {
  private readonly overrides = new RuleTable<ModelOverride>();
  private readonly resolved = new Map<string, ModelCapabilities>();
  private readonly told = new Set<string>();

  constructor(overrides: readonly ModelOverride[]) {
    for (const override of overrides) this.overrides.add(override.pattern, override);
  }

  /** What `model` (the name sent upstream) takes. */
  resolve(model: string): ModelCapabilities {
    const known = this.resolved.get(model);
    if (known) return known;
    const capabilities = Object.freeze(applyModelOverride(findModelFamily(model)?.capabilities ?? {}, this.overrides.find(model)));
    if (this.resolved.size >= MAX_REMEMBERED) this.resolved.clear();
    this.resolved.set(model, capabilities);
    return capabilities;
  }

  /** K10: the `[models]` entry's word on showing Chat clients this model's reasoning; undefined: none said. */
  exposeReasoning(model: string): boolean | undefined {
    return this.overrides.find(model)?.exposeReasoning;
  }

  /**
   * True the first time this message is told about this provider's model: such a notice goes to
   * the log once (a Codex session sends its reasoning effort on every request), later ones at debug.
   */
  isFirstNotice(provider: string, model: string, message: string): boolean {
    const key = `${provider}\u0000${model}\u0000${message}`;
    if (this.told.has(key)) return false;
    if (this.told.size >= MAX_REMEMBERED) this.told.clear();
    this.told.add(key);
    return true;
  }
}
