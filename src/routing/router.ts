import type { Protocol } from "../canonical/types";
import type { GatewayConfig, ProviderConfig, WorkMode } from "../config/types";
import { ConfigError } from "../config/layers";
import { GatewayError } from "../errors/gateway-error";
import { cachedPattern, compilePattern, RuleTable, splitRuleEntry } from "./patterns";
import { anthropicImpliedPatterns, missingKeyHints, openaiImpliedPatterns } from "./implied-routes";

/** The loopback model: always present, answered by the gateway itself. */
export const loopbackModel = "loopback";

/** One place a request may be sent: a provider, the model name it gets, and the protocol spoken. */
export interface RouteTarget {
  provider: ProviderConfig | "loopback";
  providerName: string;
  upstreamModel: string;
  upstreamProtocol: Protocol;
  /** True when the client's protocol differs from the upstream's. */
  translate: boolean;
  /**
   * The same provider and model through the provider's Responses API, for a request only that
   * API serves (a web search, proxy/responses-only-needs.ts). Set only where this target speaks
   * Chat Completions and the provider serves Responses too (the `openai` kind does; a provider
   * declared with Chat alone does not), so other targets carry nothing to check.
   */
  viaResponses?: Readonly<RouteTarget>;
}

interface AliasTarget {
  provider?: string;
  model: string;
}

/** Shared between requests (cached), hence read-only. */
export interface ResolvedRoute {
  readonly requestedModel: string;
  readonly targets: readonly Readonly<RouteTarget>[];
}

/**
 * Resolves a requested model to ordered targets: aliases first (exact, then patterns in order),
 * then routes (exact, then patterns in order: configured routes, then provider model lists, then
 * the defaults implied by which provider keys are set).
 */
const MAX_CACHED_RESOLUTIONS = 1024;
/** Longer than any provider's model id (Bedrock ARNs and Hugging Face repo ids stay well below). */
export const MAX_MODEL_NAME_LENGTH = 256;

export class ModelRouter {
  private readonly aliases = new RuleTable<AliasTarget>();
  /**
   * The OpenAI-key-only Claude mapping, apart from the user's aliases so that it also applies to
   * a user alias's target: `fast=>claude-haiku-4-5` (the README's example) must reach the small
   * model when Claude names go to OpenAI, not 404 while /v1/models lists `fast`.
   */
  private readonly claudeOnOpenAI = new RuleTable<AliasTarget>();
  private readonly routes = new RuleTable<string[]>();
  /** By lower-cased name: routes and aliases name providers without regard to case, as models. */
  private readonly providers = new Map<string, ProviderConfig>();
  private readonly workMode: WorkMode;
  /** Why a well-known model family is unrouted: its provider's key is missing. */
  private readonly keyHints = new RuleTable<string>();
  /**
   * Resolutions already made, by protocol and model name: the configuration is frozen, so a
   * name always resolves the same way, and a request need not walk the rule tables again.
   * Bounded, because model names come from clients.
   */
  private readonly resolved = new Map<string, ResolvedRoute>();

  constructor(config: GatewayConfig) {
    this.workMode = config.workMode;
    for (const provider of config.providers) this.providers.set(provider.name.toLowerCase(), provider);
    // Routes first: an alias target is read against them (parseAliasTarget).
    for (const entry of config.routing.routes) {
      const rule = splitRuleEntry(entry);
      if (!rule) throw new ConfigError(`invalid route ${JSON.stringify(entry)} (expected "pattern=>provider" or "pattern=>a|b")`, "routing.routes");
      const names = rule.target.split("|").map((name) => name.trim().toLowerCase());
      for (const name of names) {
        if (!this.providers.has(name) && name !== loopbackModel) throw new ConfigError(`route ${JSON.stringify(entry)} names provider ${JSON.stringify(name)}, ${this.describeUnknownProvider(name)}`, "routing.routes");
      }
      this.routes.add(rule.pattern, names);
    }
    this.addImplicitRoutes(config);
    for (const entry of config.routing.aliases) {
      const rule = splitRuleEntry(entry);
      if (!rule) throw new ConfigError(`invalid alias ${JSON.stringify(entry)} (expected "pattern=>[provider:]model")`, "routing.aliases");
      this.aliases.add(rule.pattern, this.parseAliasTarget(entry, rule.target));
    }
    for (const { pattern, hint } of missingKeyHints(config.providers)) this.keyHints.add(pattern, hint);
  }

  /**
   * `provider:model` or `model`. Model names hold colons too (Ollama's `llama3.1:8b`): a prefix
   * that names no provider is part of the model when the routes serve the whole name; otherwise
   * it is a provider typo, which stops the start rather than failing every request.
   */
  private parseAliasTarget(entry: string, target: string): AliasTarget {
    const colon = target.indexOf(":");
    if (colon <= 0) return { model: target };
    const provider = target.slice(0, colon).trim().toLowerCase();
    if (this.providers.has(provider) || provider === loopbackModel) return { provider, model: target.slice(colon + 1).trim() };
    if (this.routes.find(target) || this.claudeOnOpenAI.find(target)) return { model: target };
    throw new ConfigError(
      `alias ${JSON.stringify(entry)} names provider ${JSON.stringify(provider)}, ${this.describeUnknownProvider(provider)}; if ${JSON.stringify(target)} is a model name, give its provider first (${JSON.stringify(`<provider>:${target}`)}) or route it`,
      "routing.aliases",
    );
  }

  /**
   * The rest of the message for a route or alias naming a provider nobody declared. The README's
   * own example names `openrouter` and `deepseek`, which exist only once a config file declares
   * them; the message says how, and which names exist (a typo shows at once).
   */
  private describeUnknownProvider(name: string): string {
    const known = [...this.providers.values()].map((provider) => provider.name).join(", ");
    return `which is not configured (configured: ${known}); declare it in a config file as [providers.${name}] with kind and base_url (config/examples.toml has one of each kind), or use a configured name`;
  }

  /** Routes implied by provider model lists and by which keys are configured (the seeds' "set the key and go"). */
  private addImplicitRoutes(config: GatewayConfig): void {
    for (const provider of config.providers) for (const pattern of provider.models) this.routes.add(pattern, [provider.name.toLowerCase()]);
    const openai = this.providers.get("openai");
    const anthropic = this.providers.get("anthropic");
    const hasOpenAI = openai !== undefined && openai.apiKeys.length > 0;
    const hasAnthropic = anthropic !== undefined && anthropic.apiKeys.length > 0;
    if (hasOpenAI) for (const pattern of openaiImpliedPatterns) this.routes.add(pattern, ["openai"]);
    if (hasAnthropic) for (const pattern of anthropicImpliedPatterns) this.routes.add(pattern, ["anthropic"]);
    if (hasOpenAI && !hasAnthropic) {
      // Claude Code sends Claude names; with only an OpenAI key, send them to the small or big model.
      this.claudeOnOpenAI.add("claude*haiku*", { provider: "openai", model: config.routing.smallModel });
      this.claudeOnOpenAI.add("claude*", { provider: "openai", model: config.routing.bigModel });
    }
  }

  /** Ordered targets for `model` as requested through `clientProtocol`, or a model_not_found error. */
  resolve(model: string, clientProtocol: Protocol): ResolvedRoute {
    // A pattern route passes any name through, and the name then keys this cache, the
    // capability table, refused-field memories and /metrics labels: each is bounded in entries,
    // so the name must be bounded in length too, or a client grows them by its body size.
    if (model.length > MAX_MODEL_NAME_LENGTH) {
      throw new GatewayError("invalid_request", 400, `model name '${model.slice(0, 64)}…' is ${model.length} characters long; names longer than ${MAX_MODEL_NAME_LENGTH} are refused`, { param: "model" });
    }
    const key = `${clientProtocol}\u0000${model}`;
    const known = this.resolved.get(key);
    if (known) return known;
    const route = this.resolveUncached(model, clientProtocol);
    if (this.resolved.size >= MAX_CACHED_RESOLUTIONS) this.resolved.clear();
    this.resolved.set(key, route);
    return route;
  }

  private resolveUncached(model: string, clientProtocol: Protocol): ResolvedRoute {
    const alias = this.findAlias(model);
    const targetModel = alias?.model ?? model;
    const providerNames = alias?.provider ? [alias.provider] : targetModel.toLowerCase() === loopbackModel ? [loopbackModel] : this.routes.find(targetModel);
    if (!providerNames || providerNames.length === 0) {
      const hint = this.keyHints.find(targetModel);
      // Without a hint, say where the served names are listed and how an operator adds one: a
      // new user's first try of a name the gateway does not know had nothing to act on.
      const why = hint
        ? `is not routed by this gateway: ${hint}`
        : "does not exist or is not routed by this gateway (GET /v1/models lists the models it serves; an operator routes other names with TOKLIGENCE_ROUTES or a provider's models list)";
      throw new GatewayError("model_not_found", 404, `The model '${model}' ${why}`, { param: "model" });
    }
    const targets = providerNames.map((name) => this.buildTarget(name, targetModel, clientProtocol));
    return { requestedModel: model, targets };
  }

  /**
   * The user's alias for `model`, or the OpenAI-key-only Claude mapping. A user alias naming its
   * provider is final; otherwise its target (or the name itself) may be a Claude name, which goes
   * to OpenAI's small or big model unless a route sends it somewhere (`claude*=>openrouter`): the
   * mapping stands in for the missing Anthropic key, never for the user's own routes.
   */
  private findAlias(model: string): AliasTarget | undefined {
    const userAlias = this.aliases.find(model);
    if (userAlias?.provider) return userAlias;
    const name = userAlias?.model ?? model;
    if (name.toLowerCase() === loopbackModel || this.routes.find(name)) return userAlias;
    return this.claudeOnOpenAI.find(name) ?? userAlias;
  }

  private buildTarget(name: string, upstreamModel: string, clientProtocol: Protocol): RouteTarget {
    if (name === loopbackModel) {
      return { provider: "loopback", providerName: loopbackModel, upstreamModel, upstreamProtocol: clientProtocol, translate: false };
    }
    const provider = this.providers.get(name.toLowerCase())!;
    const upstreamProtocol = chooseUpstreamProtocol(provider, upstreamModel, clientProtocol);
    const target: RouteTarget = { provider, providerName: provider.name, upstreamModel, upstreamProtocol, translate: upstreamProtocol !== clientProtocol || this.workMode === "translation" };
    if (upstreamProtocol === "openai-chat" && provider.protocols.includes("openai-responses") && this.offersResponsesWay(provider, upstreamModel, clientProtocol)) {
      // Built once with the route (cached), so a request that needs it switches without allocating.
      target.viaResponses = { provider, providerName: provider.name, upstreamModel, upstreamProtocol: "openai-responses", translate: true };
    }
    return target;
  }

  /**
   * Whether a Chat target gets a Responses way for web searches (proxy/responses-only-needs.ts).
   * Not for OpenAI's Chat search models, which search on Chat and are not served by Responses;
   * nor under work_mode=passthrough, where the switch would make a Chat client's request a
   * translation. A Chat client's `web_search_options` switches only on the `openai` kind, whose
   * Chat API refuses it on other models: a compatible server may take it on Chat (OpenRouter does).
   */
  private offersResponsesWay(provider: ProviderConfig, upstreamModel: string, clientProtocol: Protocol): boolean {
    if (isOpenAIChatSearchModel(upstreamModel)) return false;
    if (clientProtocol === "anthropic") return true;
    return clientProtocol === "openai-chat" && provider.kind === "openai" && this.workMode !== "passthrough";
  }

  /** Names listed by /v1/models: exact routes and aliases, provider model names, and loopback. */
  /**
   * The provider a model name is routed to first, or undefined when nothing serves it. Not
   * cached: a model listing asks about names that requests may never use.
   */
  servingProvider(model: string): string | undefined {
    try {
      return this.resolveUncached(model, "openai-chat").targets[0]?.providerName;
    } catch {
      return undefined;
    }
  }

  listModels(): Array<{ id: string; ownedBy: string }> {
    // Keyed without case, as names match; each listed once, in its first configured spelling.
    const seen = new Map<string, { id: string; ownedBy: string }>();
    const add = (id: string, ownedBy: string) => {
      if (!seen.has(id.toLowerCase())) seen.set(id.toLowerCase(), { id, ownedBy });
    };
    // An alias whose target nothing serves (its provider has no key, say) is not offered: a
    // client picking it from the list would get model_not_found.
    for (const name of this.aliases.exactNames()) if (this.servingProvider(name) !== undefined) add(name, "alias");
    for (const name of this.routes.exactNames()) {
      const first = this.routes.find(name)?.[0];
      add(name, first === undefined ? "gateway" : (this.providers.get(first)?.name ?? first));
    }
    for (const provider of this.providers.values()) {
      for (const pattern of provider.models) if (compilePattern(pattern).exact) add(pattern, provider.name);
    }
    seen.set(loopbackModel, { id: loopbackModel, ownedBy: "tokligence" });
    return [...seen.values()];
  }
}

/**
 * OpenAI's search models (`gpt-4o-search-preview`, `gpt-4o-mini-search-preview`,
 * `gpt-5-search-api`, and their dated versions) search on Chat Completions, through
 * `web_search_options`, and are not served by the Responses API: their requests stay on Chat.
 */
export function isOpenAIChatSearchModel(model: string): boolean {
  return /-search(?:-|$)/i.test(model);
}

/** The protocol to speak to `provider` for `model`: the client's own when the provider serves it natively. */
export function chooseUpstreamProtocol(provider: ProviderConfig, model: string, clientProtocol: Protocol): Protocol {
  if (provider.responsesOnlyModels.some((pattern) => cachedPattern(pattern).test(model)) && provider.protocols.includes("openai-responses")) {
    return "openai-responses";
  }
  if (provider.protocols.includes(clientProtocol)) return clientProtocol;
  return provider.protocols[0]!;
}
