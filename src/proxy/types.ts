import type { Protocol } from "../canonical/types";
import type { Principal } from "../auth/types";
import type { GatewayConfig } from "../config/types";
import type { LedgerSink } from "../ledger/types";
import type { Logger } from "../log/logger";
import type { KeyRing } from "../providers/key-ring";
import type { UpstreamOperation } from "../providers/endpoints";
import type { ResponseStore } from "../responses-store/service";
import type { ModelRouter } from "../routing/router";
import type { Translator } from "../translate/types";
import type { BackgroundRuns } from "./background-runs";
import type { DrainTracker } from "./drain-tracker";
import type { Admission, RequestLimits } from "../limits/request-limits";
import type { AbandonableCall } from "../upstream/client";
import type { PreAdmission } from "./background-admission";
import type { GatewayMetrics } from "../metrics/gateway-metrics";
import type { ProviderHealth } from "../routing/provider-health";
import type { ModelCapabilityTable } from "./model-capability-table";
import type { RefusedFields } from "./refused-fields";

/** What the proxy needs from the composition root (no module-level state, house rule 6). */
export interface ProxyDeps {
  config: GatewayConfig;
  router: ModelRouter;
  keyRings: Map<string, KeyRing>;
  ledger: LedgerSink;
  logger: Logger;
  findTranslator: (client: Protocol, upstream: Protocol) => Translator | undefined;
  /** Estimate of Anthropic input tokens for count_tokens on non-Anthropic upstreams, when available. */
  estimateAnthropicTokens?: (body: Record<string, unknown>) => number | Promise<number>;
  /** Stored Responses API objects (`store`, `previous_response_id`); absent: none kept. */
  responses?: ResponseStore;
  /** Background responses running in this process (`background: true` on routes OpenAI does not serve). */
  background?: BackgroundRuns;
  /** Open streams and unwritten ledger rows, which a graceful stop settles before closing the ledger. */
  drain: DrainTracker;
  /**
   * What each upstream model takes, for translated requests (family table and `[models]`
   * entries). Absent: encoders use the family table alone and log each adjustment as a warning.
   */
  capabilities?: ModelCapabilityTable;
  /** Budgets and rate limits of keys and users that have them (absent without a database). */
  limits?: RequestLimits;
  /**
   * Set by a caller that writes the request's row itself later (a native background run): the
   * row's admission is handed to it instead of settled when the recorder writes the row.
   */
  holdAdmission?: (admission: Admission) => void;
  /**
   * GET /metrics (absent when `metrics.enabled = false`). Requests are counted as their rows
   * reach `ledger`, which is then wrapped to do so (metrics/observing-ledger.ts).
   */
  metrics?: GatewayMetrics;
  /**
   * Provider cooldowns: failing providers are tried last for a while (this process's own view;
   * absent when `routing.cooldown_failures = 0`).
   */
  providerHealth?: ProviderHealth;
  /**
   * Optional fields each provider's model refused (refused-fields.ts), left out from then on;
   * absent: a refusal reaches the client as it came.
   */
  refusedFields?: RefusedFields;
}

/** One model request as the HTTP layer hands it over (body parsed once, envelope checked). */
export interface ModelRequest {
  /** The id the client sees (x-request-id, logs): its own X-Request-ID when it sent one, else the gateway's. */
  requestId: string;
  /** The client's X-Request-ID, when it sent one: the ledger row then gets a gateway id of its own. */
  clientRequestId?: string;
  /** Route path, e.g. /v1/chat/completions (for the ledger and logs). */
  endpoint: string;
  /** What the client asked for. */
  operation: UpstreamOperation;
  /** The protocol errors are rendered in. */
  clientProtocol: Protocol;
  body: Record<string, unknown>;
  /**
   * The body as received (the wire's bytes, or text where the gateway rebuilt it): forwarded
   * untouched when nothing needs changing, so the bytes are not encoded a second time.
   */
  rawBody: string | Uint8Array;
  headers: Headers;
  /** The query string including "?" (Claude Code sends ?beta=true), or "". */
  query: string;
  signal: AbortSignal;
  /** Set by handleModelRequest: lets a stopping gateway abandon the request's upstream call. */
  stop?: AbandonableCall;
  principal: Principal;
  /** Date.now() when the request arrived. */
  receivedAt: number;
  /** Set by the response store on translated Responses requests it keeps (TranslationContext.keepReasoning). */
  keepReasoning?: (itemId: string, blob: string) => void;
  /** Output items the Responses answer lists before the model's (TranslationContext.leadingOutput). */
  leadingOutput?: Record<string, unknown>[];
  /** The response id fixed beforehand for a background response (TranslationContext.responseId). */
  responseId?: string;
  /**
   * The `previous_response_id` a Responses WebSocket turn was sent with, when the socket expanded
   * that continuation itself (its body no longer names it): the stored response echoes it.
   */
  echoPreviousResponseId?: string;
  /** A background run's limits, admitted before it was queued: its first model call takes them instead of admitting again. */
  preAdmission?: PreAdmission;
}
