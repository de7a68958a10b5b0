/**
 * The gateway's one connection to the Redis that holds the shared rate windows, and the policy
 * for when Redis is away: fail open to the replica's own windows, never fail or hold up a request.
 *
 * - Every call is bounded by limits.redis_timeout_ms. A call that fails or times out takes the
 *   link down: the connection is dropped (a stalled one would stall every later call behind it)
 *   and callers use their in-memory windows, without waiting on Redis at all, until a background
 *   reconnect (at most one a second) gets a PING answered.
 * - One warning when the link goes down, one info line when it is back: a line per outage, not
 *   per request. Log lines name Redis by its URL without the password.
 * - Bun's built-in client (`RedisClient` from "bun", Bun ≥ 1.2.9), so no npm package. Its own
 *   reconnecting and offline queue are off: a queued command would wait for the reconnect, which
 *   is the hang this module exists to avoid, and its retries end in a closed client anyway.
 *
 * Redis Cluster is not supported: one take touches the key's and the user's windows in one
 * script, and their keys would live on different nodes.
 */
import { RedisClient } from "bun";
import { redactUrlCredentials } from "../config/show";
import { shownRedisUrl } from "../config/shown-secrets";
import type { LuaScript } from "./rate-window-scripts";

export interface RedisLinkOptions {
  url: string;
  /** Longest wait for one call (limits.redis_timeout_ms). */
  timeoutMs: number;
  logger: { info(object: object, message: string): void; warn(object: object, message: string): void };
  /** Wait between reconnect attempts while Redis is away. */
  retryMs?: number;
  /** Longest wait for a connection and its first PING (start and reconnects; never a request's). */
  connectTimeoutMs?: number;
}

/** Thrown by a call made while the link is down (the caller then uses its own windows). */
export class RedisUnavailableError extends Error {}

/** An outage in progress: when it began, whether its warning was logged, and what it cost. */
interface Outage {
  since: number;
  announced: boolean;
  /** Requests admitted on this replica's own windows meanwhile (said when it ends). */
  localAdmissions: number;
}

export class RedisLink {
  private client: RedisClient | undefined;
  private closed = false;
  private reconnecting = false;
  private retryAt = 0;
  /** Undefined while the link is up; set from the start until the first connection. */
  private outage: Outage | undefined = { since: Date.now(), announced: false, localAdmissions: 0 };
  private everConnected = false;
  private readonly shownUrl: string;
  private readonly retryMs: number;
  private readonly connectTimeoutMs: number;

  constructor(private readonly options: RedisLinkOptions) {
    this.shownUrl = shownRedisUrl(options.url);
    this.retryMs = options.retryMs ?? 1_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? Math.max(1_000, options.timeoutMs);
  }

  /** Connect at start (bounded by the connect timeout). An unreachable Redis is a warning, never a failed start. */
  async start(): Promise<void> {
    await this.reconnect();
  }

  /**
   * Whether calls go to Redis now. While the link is down this starts a background reconnect
   * when the retry time has come, and answers false at once: the request does not wait for it.
   */
  isUp(): boolean {
    if (!this.outage) return true;
    if (!this.closed && !this.reconnecting && Date.now() >= this.retryAt) void this.reconnect();
    return false;
  }

  /** Count a request admitted on the replica's own windows because the link was down. */
  noteLocalAdmission(): void {
    if (this.outage) this.outage.localAdmissions += 1;
  }

  /** Run a script (EVALSHA; EVAL when this Redis has not seen it yet) within the timeout. */
  runScript(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    return this.call((client) => evalScript(client, script, keys, args));
  }

  /** Send one command within the timeout. */
  send(command: string, args: string[]): Promise<unknown> {
    return this.call((client) => client.send(command, args));
  }

  close(): void {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.outage ??= { since: Date.now(), announced: true, localAdmissions: 0 };
    client?.close();
  }

  private async call(work: (client: RedisClient) => Promise<unknown>): Promise<unknown> {
    const client = this.client;
    if (this.outage || !client) throw new RedisUnavailableError("Redis is unavailable");
    try {
      return await within(work(client), this.options.timeoutMs, "Redis did not answer");
    } catch (error) {
      // A request met it: the outage is said now, and the next attempt waits the retry interval.
      if (this.drop(client)) this.announce(`Redis for shared rate limits unavailable (${describeError(error)}): rpm/tpm limits hold per replica until it answers again`);
      throw error;
    }
  }

  /**
   * The server closed an idle connection (a restart, a failover, its `timeout` setting): no
   * request was refused or delayed, so reconnect at once and warn only if that fails.
   */
  private lost(client: RedisClient): void {
    if (!this.drop(client)) return;
    this.retryAt = 0;
    void this.reconnect();
  }

  /** Leave `client` (the connection in use) for the local windows; false when it was already left. */
  private drop(client: RedisClient): boolean {
    // A connection already given up (or closed by close()) can still fail its last calls.
    if (client !== this.client || this.outage) return false;
    this.client = undefined;
    this.outage = { since: Date.now(), announced: false, localAdmissions: 0 };
    this.retryAt = Date.now() + this.retryMs;
    client.close();
    return true;
  }

  /** The outage's one warning. */
  private announce(message: string): void {
    if (!this.outage || this.outage.announced) return;
    this.outage.announced = true;
    this.options.logger.warn({ redis: this.shownUrl }, message);
  }

  private async reconnect(): Promise<void> {
    this.reconnecting = true;
    const client = new RedisClient(this.options.url, { connectionTimeout: this.connectTimeoutMs, autoReconnect: false, enableOfflineQueue: false });
    try {
      await within(
        client.connect().then(() => client.send("PING", [])),
        this.connectTimeoutMs,
        "no answer",
      );
    } catch (error) {
      client.close();
      this.retryAt = Date.now() + this.retryMs;
      this.reconnecting = false;
      const reason = describeError(error);
      this.announce(
        this.everConnected
          ? `Redis for shared rate limits unavailable (${reason}): rpm/tpm limits hold per replica until it answers again`
          : `cannot reach Redis for shared rate limits (${reason}): rpm/tpm limits hold per replica until it answers`,
      );
      return;
    }
    this.reconnecting = false;
    const outage = this.outage;
    if (this.closed || !outage) {
      client.close();
      return;
    }
    client.onclose = () => this.lost(client);
    this.client = client;
    this.outage = undefined;
    if (!this.everConnected) {
      this.everConnected = true;
      if (!outage.announced) {
        this.options.logger.info({ redis: this.shownUrl }, "rpm/tpm limits are shared with every replica through Redis");
        return;
      }
    }
    if (!outage.announced) return; // a dropped idle connection, replaced at once: nothing to say
    const seconds = Math.round((Date.now() - outage.since) / 1000);
    this.options.logger.info(
      { redis: this.shownUrl, outageSeconds: seconds, localAdmissions: outage.localAdmissions },
      `Redis for shared rate limits answers again after ${seconds} s; rpm/tpm limits are shared again (${outage.localAdmissions} requests were admitted on this replica's own windows meanwhile)`,
    );
  }
}

async function evalScript(client: RedisClient, script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
  const rest = [String(keys.length), ...keys, ...args];
  try {
    return await client.send("EVALSHA", [script.sha, ...rest]);
  } catch (error) {
    // A Redis restarted, or one that never ran the script: send it once, it is cached from then on.
    if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
    return await client.send("EVAL", [script.source, ...rest]);
  }
}

/** `work`, or a rejection after `ms`. The abandoned call is left to settle on its own, quietly. */
function within<T>(work: Promise<T>, ms: number, timeoutMessage: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${timeoutMessage} within ${ms} ms`)), ms);
  });
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactUrlCredentials(message).slice(0, 200);
}
