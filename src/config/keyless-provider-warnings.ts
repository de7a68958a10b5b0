import { splitRuleEntry } from "../routing/patterns";
import type { GatewayConfig, ProviderConfig } from "./types";

/**
 * A hosted provider (an https:// base URL) that something routes to but that has no API key:
 * every request it gets goes out without one and comes back as its 401, far from the setting
 * that is missing (`TOKLIGENCE_ROUTES='claude*=>anthropic'` before the Anthropic key is set, a
 * [providers.deepseek] with `models` and no `api_keys`). A local server over http:// (vLLM,
 * Ollama) needs no key and gets no warning; a built-in provider nothing names is just unrouted.
 */
export function keylessProviderWarnings(config: GatewayConfig): string[] {
  const byName = new Map(config.providers.map((provider) => [provider.name.toLowerCase(), provider]));
  const reasons = new Map<string, string>();
  const note = (name: string, reason: string) => {
    const provider = byName.get(name.toLowerCase());
    if (provider && lacksCredentials(provider) && provider.baseUrl.startsWith("https://") && !reasons.has(provider.name)) reasons.set(provider.name, reason);
  };
  for (const entry of config.routing.routes) {
    const rule = splitRuleEntry(entry);
    for (const name of rule?.target.split("|") ?? []) note(name.trim(), `route ${JSON.stringify(entry)}`);
  }
  for (const provider of config.providers) if (provider.models.length > 0) note(provider.name, `its models list (${provider.models.join(", ")})`);
  for (const entry of config.routing.aliases) {
    const target = splitRuleEntry(entry)?.target ?? "";
    const colon = target.indexOf(":");
    if (colon > 0) note(target.slice(0, colon).trim(), `alias ${JSON.stringify(entry)}`);
  }
  return [...reasons].map(([name, reason]) => {
    const provider = byName.get(name.toLowerCase())!;
    return `provider ${name} has no API key, but ${reason} sends requests to ${provider.baseUrl}, which will refuse them; set ${providerKeySetting(provider)}`;
  });
}

/** No api_keys, and no header of its own that carries one (Azure's `api-key`, a proxy's `Authorization`). */
export function lacksCredentials(provider: ProviderConfig): boolean {
  return provider.apiKeys.length === 0 && !Object.keys(provider.headers).some((header) => /authorization|api[-_]?key|token/i.test(header));
}

/** Where a provider's keys are set: its named variable (built-ins), else the generic one where the name allows it, and the TOML key. */
export function providerKeySetting(provider: Pick<ProviderConfig, "name">): string {
  const name = provider.name;
  const named: Record<string, string> = { openai: "TOKLIGENCE_OPENAI_API_KEY", anthropic: "TOKLIGENCE_ANTHROPIC_API_KEY" };
  // The environment can name only providers spelt in lower case, digits and "_" (env-map.ts).
  const variable = named[name] ?? (/^[a-z0-9_]+$/.test(name) ? `TOKLIGENCE_PROVIDERS__${name.toUpperCase()}__API_KEYS` : undefined);
  return variable ? `${variable} (or api_keys under [providers.${name}])` : `api_keys under [providers.${name}]`;
}
