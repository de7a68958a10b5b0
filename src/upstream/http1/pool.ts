import { Http1Connection } from "./connection";

/**
 * Idle keep-alive connections per origin ("host:port"). The most recently used connection is
 * taken first: it is the least likely to have been closed by the upstream's own idle timer.
 */
export class ConnectionPool {
  private readonly idle = new Map<string, Http1Connection[]>();

  constructor(
    /** Parked connections kept per origin; more are closed when they come back. */
    private readonly maxIdlePerOrigin = 64,
    /** How long a parked connection is kept: under the usual 5 s server keep-alive (Node, uvicorn). */
    private readonly idleSeconds = 4,
  ) {}

  /** A parked connection to `origin`, or undefined when there is none fit to use. */
  take(origin: string): Http1Connection | undefined {
    const parked = this.idle.get(origin);
    const oldestUsable = Date.now() - this.idleSeconds * 1000;
    for (let connection = parked?.pop(); connection; connection = parked?.pop()) {
      if (connection.closed) continue;
      if (connection.idleSince < oldestUsable) {
        connection.destroy();
        continue;
      }
      connection.unpark();
      return connection;
    }
    return undefined;
  }

  /** A new connection to `origin`; it joins the pool only when given back. */
  async open(origin: string, hostname: string, port: number): Promise<Http1Connection> {
    const connection = await Http1Connection.open(hostname, port);
    connection.onClosed = (closed) => this.forget(origin, closed);
    return connection;
  }

  /** Give a connection back after a complete exchange. */
  give(origin: string, connection: Http1Connection): void {
    if (connection.closed) return;
    let parked = this.idle.get(origin);
    if (!parked) this.idle.set(origin, (parked = []));
    if (parked.length >= this.maxIdlePerOrigin) {
      connection.destroy();
      return;
    }
    connection.park(this.idleSeconds);
    parked.push(connection);
  }

  /** Close every parked connection (shutdown, tests). */
  closeIdle(): void {
    for (const parked of this.idle.values()) for (const connection of parked.splice(0)) connection.destroy();
  }

  /** Parked connections to `origin` (tests). */
  idleCount(origin: string): number {
    return this.idle.get(origin)?.length ?? 0;
  }

  private forget(origin: string, connection: Http1Connection): void {
    const parked = this.idle.get(origin);
    const index = parked?.indexOf(connection) ?? -1;
    if (index >= 0) parked!.splice(index, 1);
  }
}
