/**
 * The gateway's models in the two APIs' shapes (GET /v1/models and /v1/models/{id}).
 *
 * OpenAI: `{object:"list", data:[{id, object:"model", created, owned_by}]}`, unpaged; a model is
 * `{id, object, created, owned_by}`; an unknown one is 404 `model_not_found`.
 * Anthropic: `{data:[{type:"model", id, display_name, created_at}], has_more, first_id, last_id}`,
 * paged by `limit` (default 20, 1–1000) and `after_id` or `before_id`; an unknown model is 404
 * `not_found_error`. The listing holds the configured exact names, then (when `discovery` is
 * given) the models each provider lists that a route of this gateway sends to it, so patterns
 * such as `gpt-*` show what they serve; a model unrouted because its provider's key is missing is
 * in neither, and retrieving it says which key is missing.
 */
import type { ProviderConfig } from "../../config/types";
import { GatewayError } from "../../errors/gateway-error";
import { canListModels, type UpstreamModelLister } from "../../providers/upstream-models";
import type { ModelRouter } from "../../routing/router";

/** Where the listing finds the models providers offer (README "Endpoints", `routing.list_upstream_models`). */
export interface ModelDiscovery {
  providers: readonly ProviderConfig[];
  lister: UpstreamModelLister;
}

export type ModelShape = "openai" | "anthropic";

interface ListedModel {
  id: string;
  ownedBy: string;
}

const ANTHROPIC_DEFAULT_LIMIT = 20;
const ANTHROPIC_MAX_LIMIT = 1000;

export function createModelCatalogue(router: ModelRouter, createdAt: Date, discovery?: ModelDiscovery) {
  const created = Math.floor(createdAt.getTime() / 1000);
  const createdIso = createdAt.toISOString();
  // The configuration is frozen, so the listing is too.
  const listed: ListedModel[] = router.listModels();
  const byId = new Map(listed.map((model) => [model.id, model]));

  const render = (shape: ModelShape, model: ListedModel) =>
    shape === "openai" ? { id: model.id, object: "model", created, owned_by: model.ownedBy } : { type: "model", id: model.id, display_name: model.id, created_at: createdIso };

  /**
   * A listed model, or one a route serves (patterns such as `gpt-*` list nothing but route
   * many). Otherwise the router's own model_not_found, the one a call gets: it names a missing
   * provider key when that is why a well-known model is unrouted, where this said "does not exist".
   */
  const find = (id: string): ListedModel => {
    const known = byId.get(id);
    if (known) return known;
    const route = router.resolve(id, "openai-chat");
    return { id, ownedBy: route.targets[0]?.providerName ?? "gateway" };
  };

  /** The configured names, then each provider's own models that a route sends to that provider. */
  const currentListing = async (): Promise<ListedModel[]> => {
    if (!discovery) return listed;
    const offered = await Promise.all(discovery.providers.map((provider) => (canListModels(provider) ? discovery.lister.modelsOf(provider) : [])));
    const all = [...listed];
    const seen = new Set(listed.map((model) => model.id.toLowerCase()));
    offered.forEach((ids, index) => {
      const provider = discovery.providers[index]!.name;
      for (const id of ids) {
        // Only what this gateway would send to that provider: a listed model the routes send
        // elsewhere, or nowhere, is not one the caller can use through this provider.
        if (seen.has(id.toLowerCase()) || router.servingProvider(id) !== provider) continue;
        seen.add(id.toLowerCase());
        all.push({ id, ownedBy: provider });
      }
    });
    return all;
  };

  return {
    async list(shape: ModelShape, query: URLSearchParams): Promise<unknown> {
      const models = await currentListing();
      if (shape === "openai") {
        const list = { object: "list", data: models.map((model) => render(shape, model)) };
        return query.has("client_version") ? { ...list, ...codexCatalogue } : list;
      }
      const page = anthropicPage(models, query);
      return { data: page.map((model) => render(shape, model)), has_more: page.hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null };
    },
    retrieve(shape: ModelShape, id: string): unknown {
      return render(shape, find(id));
    },
  };
}

/**
 * Codex (some versions) asks `GET /models?client_version=x.y.z` for its own catalogue,
 * `{"models":[ModelInfo…]}`, and a listing without `models` fails to parse and breaks its model
 * picker (conformance case R07). Each ModelInfo carries `base_instructions`, the system prompt
 * Codex then uses for that model, which only Codex itself knows: an entry from the gateway would
 * replace Codex's prompt with a guess. An empty catalogue is the honest answer: Codex merges the
 * remote list into its built-in presets and, with nothing remote, keeps its own; a routed model
 * named with `-m` works as any unknown slug does. OpenAI's `data` list stays beside it.
 */
const codexCatalogue = { models: [] as never[] };

/** Anthropic's cursor paging: `limit` models after `after_id`, or the `limit` just before `before_id`. */
function anthropicPage(models: readonly ListedModel[], query: URLSearchParams): ListedModel[] & { hasMore: boolean } {
  const rawLimit = query.get("limit");
  const limit = rawLimit === null ? ANTHROPIC_DEFAULT_LIMIT : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > ANTHROPIC_MAX_LIMIT) {
    throw new GatewayError("invalid_request", 400, `limit: must be an integer from 1 to ${ANTHROPIC_MAX_LIMIT}`, { param: "limit" });
  }
  const afterId = query.get("after_id");
  const beforeId = query.get("before_id");
  if (afterId !== null && beforeId !== null) throw new GatewayError("invalid_request", 400, "give after_id or before_id, not both");
  const cursor = afterId ?? beforeId;
  const at = cursor === null ? -1 : models.findIndex((model) => model.id === cursor);
  if (cursor !== null && at < 0) throw new GatewayError("invalid_request", 400, `${afterId !== null ? "after_id" : "before_id"}: no model '${cursor}'`);
  const [start, end] = beforeId !== null ? [Math.max(0, at - limit), at] : [at + 1, at + 1 + limit];
  const page = models.slice(start, end) as ListedModel[] & { hasMore: boolean };
  page.hasMore = beforeId !== null ? start > 0 : end < models.length;
  return page;
}
