/**
 * A TCP proxy in front of a real server (PostgreSQL) that a test can cut and restore, to play
 * a database restart or a network partition without touching the server other tests share.
 * `cut()` closes every open connection and refuses new ones until `restore()`. `freeze()` plays
 * a partition instead: open connections stay open but carry nothing (no FIN, no RST, as when
 * the peer vanished), and new ones are accepted but not forwarded. `restore()` after a freeze
 * heals it as a network does: what waited is delivered, frozen connections carry again, and
 * connections accepted meanwhile reach the server. (It used to leave those hanging forever, so a
 * client's first connection attempt after the "partition" waited out its connect timeout, 10 s
 * for the gateway, which looked like a gateway hang.)
 * `muteReplies()` plays the ambiguous failure: on each connection, once the client has sent a
 * query for execution (a write ending with the extended protocol's Sync), what the server
 * answers is dropped, until `cut()` breaks the connection. The server carries the statement
 * out (a COMMIT happens); the client never learns that it did. Round trips before the execution
 * (postgres.js describes a statement new to a connection first) still get their answers, or
 * the statement would never be sent.
 */
import net from "node:net";

export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  freeze(): void;
  muteReplies(): void;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let port = 0;
  let server: net.Server | null = null;
  let frozen = false;
  let muting = false;
  /** The PostgreSQL Sync message: 'S' and a length of 4. */
  const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);
  let links: Array<{ client: net.Socket; upstream: net.Socket }> = [];
  /** Links paused by freeze(), and connections accepted while frozen: restore() lets both through. */
  let frozenLinks: Array<{ client: net.Socket; upstream: net.Socket }> = [];
  let held: net.Socket[] = [];

  const forward = (client: net.Socket) => {
    const upstream = net.connect(targetPort, targetHost);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", end);
      socket.on("close", end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    // After pipe's own listener: the query is on its way to the server before the answer is cut off.
    client.on("data", (chunk: Buffer) => {
      if (!muting || !chunk.subarray(-SYNC.length).equals(SYNC)) return;
      upstream.unpipe(client);
      upstream.on("data", () => {}); // keep reading, and drop, as a network that lost it would
    });
    links.push({ client, upstream });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = net.createServer((client) => {
        if (frozen) {
          // Accepted, not answered: the handshake of a new connection hangs too (what it sends
          // stays buffered in the paused socket until restore() forwards it).
          sockets.add(client);
          client.on("error", () => {});
          client.on("close", () => sockets.delete(client));
          held.push(client);
          return;
        }
        forward(client);
      });
      next.once("error", reject);
      // The same port after a restore, so a client's configured URL keeps working.
      next.listen(port, "127.0.0.1", () => {
        port = (next.address() as net.AddressInfo).port;
        server = next;
        resolve();
      });
    });

  const close = () =>
    new Promise<void>((resolve) => {
      const current = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      links = [];
      frozenLinks = [];
      held = [];
      if (current) current.close(() => resolve());
      else resolve();
    });

  await listen();
  return {
    get port() {
      return port;
    },
    cut: close,
    freeze() {
      frozen = true;
      for (const link of links.splice(0)) {
        link.client.unpipe(link.upstream);
        link.upstream.unpipe(link.client);
        link.client.pause();
        link.upstream.pause();
        frozenLinks.push(link);
      }
    },
    muteReplies() {
      muting = true;
    },
    restore: async () => {
      frozen = false;
      muting = false;
      for (const link of frozenLinks.splice(0)) {
        if (link.client.destroyed || link.upstream.destroyed) continue;
        link.client.pipe(link.upstream);
        link.upstream.pipe(link.client);
        links.push(link);
      }
      for (const client of held.splice(0)) if (!client.destroyed) forward(client);
      if (!server) await listen();
    },
    stop: close,
  };
}

/** A proxy in front of a PostgreSQL database, and the database URL that goes through it. */
export async function startDatabaseProxy(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
  const direct = new URL(databaseUrl);
  const proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
  const viaProxy = new URL(direct);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  return { proxy, url: viaProxy.toString() };
}
