/**
 * The gateway's store of Responses API objects: what POST /v1/responses keeps (`store` not
 * false), what `previous_response_id` continues, and what GET/DELETE /v1/responses/{id} read.
 * Lives in the gateway's database (SQLite or PostgreSQL), so it survives restarts and is shared
 * by replicas. Owner-scoped: a caller only sees responses created under its own user.
 */
import { GatewayError } from "../errors/gateway-error";
import type { Logger } from "../log/logger";
import type { ModelRequest } from "../proxy/types";
import { databaseUnavailableError, isDatabaseUnreachable } from "../store/database-unreachable";
import type { StoredResponseRecord, StoredResponseRepository } from "../store/types";
import { ResponseExchange } from "./exchange";
import { findReferencedItems, referencedIds } from "./item-references";
import { LiveResponses } from "./live-responses";

export interface ResponseStoreOptions {
  /** Absent: nothing is stored and every lookup misses (a gateway without a database). */
  repository?: StoredResponseRepository;
  /** Hours a record stays readable; 0 = never store. */
  retentionHours: number;
  logger: Logger;
  now?: () => Date;
}

/** Whose response it is (only that user sees it) and the model asked for. */
export interface ResponseOwner {
  userId: number | null;
  model: string;
}

export interface ResponseStore {
  /** Whether responses are kept at all (a database and a retention above zero): background mode needs it. */
  readonly storing: boolean;
  /** Keep `response` under its id for its owner (background mode's in-progress, failed and cancelled states). */
  keep(owner: ResponseOwner, response: Record<string, unknown>, storedRequest: Record<string, unknown>): Promise<void>;
  /**
   * `keep`, unless the stored response is already in a final state (completed, incomplete,
   * failed, cancelled): a running state never overwrites a final one, whoever wrote it first.
   * With `writtenBefore`, also unless someone wrote the record since then (the orphan sweep).
   * Returns whether it was written.
   */
  keepUnlessSettled(owner: ResponseOwner, response: Record<string, unknown>, storedRequest: Record<string, unknown>, writtenBefore?: Date): Promise<boolean>;
  /**
   * Running background responses nobody has written since `writtenBefore`: native ones nobody
   * follows (native-background.ts resumes them) and gateway-run ones whose process stopped
   * (background.ts fails them).
   */
  orphanedBackground(writtenBefore: Date): Promise<StoredResponseRecord[]>;
  /** Per request: undefined when neither storing nor continuing applies. */
  begin(request: ModelRequest): Promise<ResponseExchange | undefined>;
  get(id: string, userId: number | null): Promise<StoredResponseRecord | null>;
  /**
   * A streamed foreground response this process relays and has not stored yet, as `userId`'s
   * record would be (in_progress, live-responses.ts); undefined otherwise.
   */
  liveRecord(id: string, userId: number | null): StoredResponseRecord | undefined;
  /** How many responses are live in this process (tests check that none is left behind). */
  readonly liveCount: number;
  delete(id: string, userId: number | null): Promise<boolean>;
  purgeExpired(): Promise<number>;
  /** Purge now and then every `intervalMs` (default hourly) until `stop()`. */
  startPurging(intervalMs?: number): void;
  stop(): void;
}

/** At most this many orphaned background runs are taken per sweep (the next sweep takes more). */
const ORPHAN_BATCH = 500;

export function createResponseStore(options: ResponseStoreOptions): ResponseStore {
  const { repository, logger } = options;
  const now = options.now ?? (() => new Date());
  const retentionMs = options.retentionHours * 3_600_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  const live = new LiveResponses();

  const recordOf = (owner: ResponseOwner, response: Record<string, unknown>, storedRequest: Record<string, unknown>): StoredResponseRecord => {
    const createdAt = now();
    return { id: String(response.id), userId: owner.userId, model: owner.model, createdAt, expiresAt: new Date(createdAt.getTime() + retentionMs), request: storedRequest, response };
  };
  const purgeExpired = async () => (repository ? repository.purgeExpired(now()) : 0);
  const purgeLogged = () =>
    purgeExpired().then(
      (count) => count > 0 && logger.info({ count }, "purged expired stored responses"),
      (error) => logger.error({ err: error }, "purging expired stored responses failed"),
    );

  return {
    storing: repository !== undefined && retentionMs > 0,
    async keep(owner, response, storedRequest) {
      await repository!.put(recordOf(owner, response, storedRequest));
    },
    async keepUnlessSettled(owner, response, storedRequest, writtenBefore) {
      return repository!.putUnlessSettled(recordOf(owner, response, storedRequest), writtenBefore);
    },
    async begin(request) {
      // input_tokens counts the conversation a create request would continue, and makes no response to keep.
      const counting = request.operation === "openai-responses-input-tokens";
      if (request.operation !== "openai-responses" && !counting) return undefined;
      const body = request.body;
      const previousId = typeof body.previous_response_id === "string" && body.previous_response_id.length > 0 ? body.previous_response_id : undefined;
      const store = !counting && repository !== undefined && retentionMs > 0 && body.store !== false;
      const referenced = referencedIds(body.input);
      if (!previousId && !store && referenced.length === 0) return undefined;
      // The database away: a retryable 503 database_unavailable (the request's handler logs it
      // with its cause). Anything else is a fault of the gateway's own, a 500.
      const reading = async <T>(what: string, read: () => Promise<T>): Promise<T> => {
        try {
          return await read();
        } catch (error) {
          if (isDatabaseUnreachable(error)) throw databaseUnavailableError(`the gateway cannot reach its database to read ${what}; try again shortly`, error);
          logger.error({ err: error, requestId: request.requestId }, "reading a stored response failed");
          throw new GatewayError("internal_error", 500, "the gateway could not read its stored responses; try again");
        }
      };
      const previous = previousId && repository ? await reading("previous_response_id", () => repository.get(previousId, request.principal.userId, now())) : null;
      // item_reference ids: looked up among the caller's own responses, as previous_response_id is.
      const references =
        referenced.length > 0 && repository
          ? findReferencedItems(referenced, await reading("item_reference ids", () => repository.holdersOfItems(referenced, request.principal.userId, now())))
          : new Map();
      return new ResponseExchange({ request, previousId, previous, references, store, save: (record) => repository!.put(record), retentionMs, now, log: logger, live });
    },
    orphanedBackground: async (writtenBefore) => (repository && retentionMs > 0 ? repository.orphanedBackground(writtenBefore, now(), ORPHAN_BATCH) : []),
    get: async (id, userId) => (repository ? repository.get(id, userId, now()) : null),
    liveRecord: (id, userId) => live.recordOf(id, userId),
    get liveCount() {
      return live.size;
    },
    delete: async (id, userId) => (repository ? repository.delete(id, userId, now()) : false),
    purgeExpired,
    startPurging(intervalMs = 3_600_000) {
      if (!repository || timer) return;
      void purgeLogged();
      timer = setInterval(() => void purgeLogged(), intervalMs);
      timer.unref?.();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
