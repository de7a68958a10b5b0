/**
 * Sockets for postgres.js that cannot hang forever. A PostgreSQL connection whose peer vanished
 * without a FIN or RST (a network partition, a database host that died, a firewall dropping
 * packets) stays "open": the query written to it waits forever, and TCP gives up only after
 * ~15 minutes of retransmissions. postgres.js has no query deadline, so a gateway replica then
 * hung every request on its key lookup or ledger row, while /readyz still said ready (no write
 * had *failed*), and stayed hung after the network came back.
 *
 * Each socket here, once the server has answered, is closed after `silenceMs` without a byte
 * in either direction (a connection that never completes its start-up is left to postgres.js's
 * `connect_timeout`, 10 s). postgres.js then fails the query on it with CONNECTION_CLOSED and
 * opens a fresh connection for the next one. An idle pooled connection closed this way is simply
 * reopened when needed. The cost: a single statement that keeps the server silent longer than
 * `silenceMs` (a very large usage summary, a migration lock held that long by another replica) is
 * cut too.
 *
 * This frees the connections; it is not what a request waits for. A key check and a ledger row
 * stop waiting sooner, after `database.pg_request_timeout_ms` (database-deadline.ts): the key is
 * then checked against this replica's memory (auth/fail-static-key-checks.ts) and the row goes to
 * the local spill (ledger/ledger-spill.ts), while the query itself stays here until this closes it.
 */
import net from "node:net";

/** The parts of postgres.js's parsed options a socket needs (host and port are lists). */
interface PgSocketOptions {
  host: string[];
  port: number[];
  path?: string;
}

/** The sockets of one postgres.js pool: its `socket` option, and whether any of them is still in use. */
export interface PgSockets {
  /** postgres.js's `socket` option. */
  create(options: PgSocketOptions): net.Socket;
  /** Whether a socket made here is still connecting or open (a query may be running on it). */
  anyOpen(): boolean;
  /** Destroy every socket still open (their queries fail with CONNECTION_CLOSED). */
  destroyAll(): void;
}

/**
 * A `socket` option for postgres.js. postgres.js writes its start-up message as soon as it
 * gets the socket, which a connecting `net.Socket` buffers; connection errors reach its own
 * 'error' handler. Multiple hosts are tried in turn, one per new connection, as postgres.js
 * does itself. `silenceMs` 0 leaves silent connections alone. The sockets are remembered until
 * they close (a pool holds at most `max`), so closing the pool can tell a query still running
 * from one postgres.js only thinks is (close-pg-pool.ts).
 */
export function createPgSockets(silenceMs: number): PgSockets {
  let next = 0;
  const open = new Set<net.Socket>();
  return {
    create(options) {
      const index = next++ % Math.max(1, options.host.length);
      const socket = options.path ? net.connect(options.path) : net.connect(options.port[index] ?? options.port[0] ?? 5432, options.host[index] ?? "localhost");
      open.add(socket);
      socket.once("close", () => open.delete(socket));
      // Armed once the server has spoken: until then postgres.js's connect_timeout governs (it
      // fails the waiting query; a silence deadline firing first would only make it reconnect).
      if (silenceMs > 0) socket.once("data", () => socket.setTimeout(silenceMs, () => socket.destroy()));
      return socket;
    },
    anyOpen() {
      for (const socket of open) {
        if (socket.destroyed) open.delete(socket);
        else return true;
      }
      return false;
    },
    destroyAll() {
      for (const socket of open) socket.destroy();
      open.clear();
    },
  };
}
