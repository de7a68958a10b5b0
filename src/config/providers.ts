import { type AnthropicCompatName, resolveAnthropicCompat } from "../providers/anthropic-compat";
import { type ChatDialectName, type MaxTokensField, type ReasoningField, resolveChatDialect } from "../providers/chat-dialect";
import { ConfigError } from "./layers";
import { redactUrlCredentials } from "./show";
import type { ProviderConfig, ProviderKind, SourcedValue, UpstreamProtocol } from "./types";

const defaultProtocols: Record<ProviderKind, UpstreamProtocol[]> = {
  // OpenAI serves Chat Completions and Responses natively; Responses-only models are listed per provider.
  openai: ["openai-chat", "openai-responses"],
  anthropic: ["anthropic"],
  "openai-compatible": ["openai-chat"],
};

/** Build the provider list from `providers.<name>.<key>` entries. */
export function buildProviders(entries: Map<string, SourcedValue>): ProviderConfig[] {
  const names = new Set<string>();
  for (const key of entries.keys()) {
    const match = /^providers\.([^.]+)\./.exec(key);
    if (match) names.add(match[1]!);
  }
  const providers: ProviderConfig[] = [];
  for (const name of names) {
    const get = <T>(key: string): T | undefined => entries.get(`providers.${name}.${key}`)?.value as T | undefined;
    const kind = get<ProviderKind>("kind");
    if (!kind) throw new ConfigError(`providers.${name}.kind is missing (allowed: openai, anthropic, openai-compatible)`);
    if (name === "loopback") throw new ConfigError(`providers.loopback is reserved for the built-in offline model`);
    const baseUrl = get<string>("base_url");
    if (!baseUrl) throw new ConfigError(`providers.${name}.base_url is missing`);
    if (!/^https?:\/\//.test(baseUrl)) {
      throw new ConfigError(`invalid value for providers.${name}.base_url from ${entries.get(`providers.${name}.base_url`)?.source}: ${JSON.stringify(shownBaseUrl(baseUrl))} (allowed: an http:// or https:// URL)`);
    }
    checkBaseUrlShape(name, baseUrl, entries.get(`providers.${name}.base_url`)?.source);
    const protocols = (get<string[]>("protocols") ?? defaultProtocols[kind]) as UpstreamProtocol[];
    for (const protocol of protocols) {
      if (!["openai-chat", "openai-responses", "anthropic"].includes(protocol)) {
        throw new ConfigError(`invalid protocol ${JSON.stringify(protocol)} in providers.${name}.protocols (allowed: openai-chat, openai-responses, anthropic)`);
      }
    }
    providers.push({
      name,
      kind,
      baseUrl: baseUrl.replace(/\/+$/, ""),
      apiKeys: get<string[]>("api_keys") ?? [],
      org: get<string>("org") || undefined,
      anthropicVersion: get<string>("anthropic_version") ?? "2023-06-01",
      protocols,
      models: get<string[]>("models") ?? [],
      responsesOnlyModels: get<string[]>("responses_only_models") ?? [],
      maxOutputTokens: get<number>("max_output_tokens"),
      minOutputTokens: get<number>("min_output_tokens"),
      headers: parseHeaderList(name, get<string[]>("headers") ?? []),
      toolChoiceNone: get<boolean>("tool_choice_none") ?? true,
      chatDialect: resolveChatDialect({
        kind,
        baseUrl,
        dialect: get<ChatDialectName>("dialect"),
        maxTokensField: get<MaxTokensField>("max_tokens_field"),
        reasoningField: get<ReasoningField>("reasoning_field"),
        omitFields: get<string[]>("omit_fields"),
      }),
      anthropicCompat: resolveAnthropicCompat({
        baseUrl,
        profile: get<AnthropicCompatName>("anthropic_compat"),
        dropCacheControl: get<boolean>("drop_cache_control"),
        thinkingAdaptiveToEnabled: get<boolean>("thinking_adaptive_to_enabled"),
        dropAnthropicBeta: get<boolean>("drop_anthropic_beta"),
        dropEmptyTextBlocks: get<boolean>("drop_empty_text_blocks"),
        sanitizeToolIds: get<boolean>("sanitize_tool_ids"),
      }),
    });
  }
  return providers;
}

/** A base URL for an error message: the message reaches stderr and the log, and credentials must not. */
function shownBaseUrl(baseUrl: string): string {
  return redactUrlCredentials(baseUrl).replace(/[?#].*$/s, "?…");
}

/**
 * Paths are appended to the base URL (`…/v1` + `/chat/completions`), so a query or fragment in it
 * (`?api-version=…`, `?key=…`) made every call's URL wrong, silently. The message leaves the
 * query out: it may hold a key.
 */
function checkBaseUrlShape(name: string, baseUrl: string, source: string | undefined): void {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new ConfigError(`invalid value for providers.${name}.base_url from ${source}: not a URL (allowed: an http:// or https:// URL)`);
  }
  if (parsed.search !== "" || parsed.hash !== "" || baseUrl.includes("?") || baseUrl.includes("#")) {
    throw new ConfigError(`invalid value for providers.${name}.base_url from ${source}: ${parsed.protocol}//${parsed.host}${parsed.pathname} with a query or fragment (allowed: an http:// or https:// URL without ?… or #…; the gateway appends the API's paths to it, and a key goes in api_keys or headers)`);
  }
}

function parseHeaderList(provider: string, lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new ConfigError(`providers.${provider}.headers entries must look like "Name: value"`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}
