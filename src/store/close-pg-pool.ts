/**
 * Ending a postgres.js pool promptly, also after the database went away.
 *
 * postgres.js (3.4.x) keeps the query a connection was running when its socket closed under it
 * (a database restart, a cut connection, the silence deadline of pg-socket.ts): the query is
 * rejected, but the connection still holds it, so `sql.end()` waits for it to finish, which it
 * never does, until end's timeout destroys everything (porsager/postgres issues #1097 and #1130,
 * fix proposed in PR #1142). A replica that had seen a single blip took that whole timeout
 * (5 s) to stop, and a CLI command as long to exit.
 *
 * A query that is really running has an open socket under it; those stale ones have none. So
 * the pool is ended and waited for only while one of its sockets is open: a query still running
 * (a ledger batch, say) gets to finish, up to `timeoutMs`; then the sockets left are destroyed.
 */
import type { Sql } from "postgres";
import type { PgSockets } from "./pg-socket";

/** How often the pool's sockets are looked at while it ends (closing happens once per process). */
const POLL_MS = 10;

export async function closePgPool(client: Sql, sockets: PgSockets, timeoutMs: number): Promise<void> {
  // No timeout given to end(): its timer cannot be cancelled and would keep the process alive.
  let ended = false;
  const ending = client.end().then(() => {
    ended = true;
  });
  ending.catch(() => {});
  const deadline = Date.now() + timeoutMs;
  // end() ends idle connections at once (their sockets close); busy ones after their query.
  await Bun.sleep(0);
  while (!ended && sockets.anyOpen() && Date.now() < deadline) await Bun.sleep(POLL_MS);
  if (!ended) sockets.destroyAll();
}
