/**
 * Q05: what an "Anthropic-compatible" server (DeepSeek, Kimi/Moonshot, GLM/Zhipu, Qwen/DashScope)
 * takes of a Messages request. They accept the Anthropic shape but differ in details that a
 * request forwarded as Claude Code sent it trips over: `cache_control` markers they ignore or
 * refuse, `thinking: {type: "adaptive"}` (Claude 4.6+) they do not know, `anthropic-beta` flags
 * they ignore or refuse, empty text blocks (NousResearch/hermes-agent PR#11929). A named profile
 * sets the defaults; the provider's own switches override them (config/README.md, "Providers").
 * The filtering itself is protocols/anthropic/compat-filter.ts.
 */

export const anthropicCompatNames = ["anthropic", "deepseek", "kimi", "glm", "qwen"] as const;
export type AnthropicCompatName = (typeof anthropicCompatNames)[number];

export interface AnthropicCompat {
  name: AnthropicCompatName;
  /** `cache_control` markers left out (system, tools, messages, tool results, top level). */
  dropCacheControl: boolean;
  /** `thinking: {type: "adaptive"}` sent as `{type: "enabled", budget_tokens}` (K02's table). */
  thinkingAdaptiveToEnabled: boolean;
  /** The client's `anthropic-beta` header not forwarded. */
  dropAnthropicBeta: boolean;
  /** Text blocks with no visible text left out (Anthropic and its clones refuse them). */
  dropEmptyTextBlocks: boolean;
  /**
   * H01: tool_use ids outside `^[a-zA-Z0-9_-]+$` (Kimi's `functions.Bash:0`) rewritten, the same
   * way on the tool_use and its tool_result, so a history written by another model is taken.
   */
  sanitizeToolIds: boolean;
}

const ALL_OFF = { dropCacheControl: false, thinkingAdaptiveToEnabled: false, dropAnthropicBeta: false, dropEmptyTextBlocks: false, sanitizeToolIds: false };

const PROFILES: Record<AnthropicCompatName, AnthropicCompat> = {
  // Anthropic itself: everything forwarded as sent, but ids it would refuse (H01: a session that
  // began on Kimi and moved to Claude replays Kimi's ids) are made valid.
  anthropic: { name: "anthropic", ...ALL_OFF, sanitizeToolIds: true },
  // DeepSeek's Anthropic API documents `cache_control` and `anthropic-beta` as ignored and only
  // `enabled`/`disabled` thinking (api-docs.deepseek.com/guides/anthropic_api).
  deepseek: { name: "deepseek", dropCacheControl: true, thinkingAdaptiveToEnabled: true, dropAnthropicBeta: true, dropEmptyTextBlocks: true, sanitizeToolIds: true },
  // Kimi issues ids like `functions.Bash:0` itself and reads them back: its own ids stay. It
  // caches prefixes on its own; markers are left out.
  kimi: { name: "kimi", dropCacheControl: true, thinkingAdaptiveToEnabled: true, dropAnthropicBeta: true, dropEmptyTextBlocks: true, sanitizeToolIds: false },
  // GLM (Zhipu / Z.ai) caches on its own and knows budget thinking only.
  glm: { name: "glm", dropCacheControl: true, thinkingAdaptiveToEnabled: true, dropAnthropicBeta: true, dropEmptyTextBlocks: true, sanitizeToolIds: true },
  // DashScope documents explicit caching with `cache_control` on its Anthropic API: markers kept.
  qwen: { name: "qwen", dropCacheControl: false, thinkingAdaptiveToEnabled: true, dropAnthropicBeta: true, dropEmptyTextBlocks: true, sanitizeToolIds: true },
};

/** The vendors' documented Anthropic-compatible API hosts, for a provider that names no profile. */
const WELL_KNOWN_HOSTS: ReadonlyArray<[host: string, profile: AnthropicCompatName]> = [
  ["api.deepseek.com", "deepseek"],
  ["api.moonshot.ai", "kimi"],
  ["api.moonshot.cn", "kimi"],
  ["api.kimi.com", "kimi"],
  ["open.bigmodel.cn", "glm"],
  ["api.z.ai", "glm"],
  ["dashscope.aliyuncs.com", "qwen"],
  ["dashscope-intl.aliyuncs.com", "qwen"],
  ["dashscope-us.aliyuncs.com", "qwen"],
  ["maas.aliyuncs.com", "qwen"],
];

/** What a provider entry says (`[providers.<name>]` keys `anthropic_compat` and the switches). */
export interface AnthropicCompatOptions {
  baseUrl: string;
  profile?: AnthropicCompatName;
  dropCacheControl?: boolean;
  thinkingAdaptiveToEnabled?: boolean;
  dropAnthropicBeta?: boolean;
  dropEmptyTextBlocks?: boolean;
  sanitizeToolIds?: boolean;
}

/** The provider's profile (named, else its host's, else Anthropic's), its own switches over it. */
export function resolveAnthropicCompat(options: AnthropicCompatOptions): AnthropicCompat {
  const base = PROFILES[options.profile ?? profileOfUrl(options.baseUrl)];
  const pick = (own: boolean | undefined, fallback: boolean) => own ?? fallback;
  return Object.freeze({
    name: base.name,
    dropCacheControl: pick(options.dropCacheControl, base.dropCacheControl),
    thinkingAdaptiveToEnabled: pick(options.thinkingAdaptiveToEnabled, base.thinkingAdaptiveToEnabled),
    dropAnthropicBeta: pick(options.dropAnthropicBeta, base.dropAnthropicBeta),
    dropEmptyTextBlocks: pick(options.dropEmptyTextBlocks, base.dropEmptyTextBlocks),
    sanitizeToolIds: pick(options.sanitizeToolIds, base.sanitizeToolIds),
  });
}

/** Anthropic's own profile: for contexts built without a provider (unit tests, loopback). */
export const ANTHROPIC_COMPAT: AnthropicCompat = PROFILES.anthropic;

function profileOfUrl(baseUrl: string): AnthropicCompatName {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return "anthropic";
  }
  return WELL_KNOWN_HOSTS.find(([name]) => host === name || host.endsWith(`.${name}`))?.[1] ?? "anthropic";
}
