/**
 * A TCP proxy in front of a real server (PostgreSQL) that a test can cut and restore, to play
 * a database restart or a network partition without touching the server other tests share.
 * `cut()` closes every open connection and refuses new ones until `restore()`. `freeze()` plays
 * a partition instead: open connections stay open but carry nothing ever again (no FIN, no RST,
 * as when the peer vanished), and new ones are accepted but never forwarded, until `restore()`.
 */
import net from "node:net";

export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  freeze(): void;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let port = 0;
  let server: net.Server | null = null;
  let frozen = false;
  const links: Array<{ client: net.Socket; upstream: net.Socket }> = [];

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = net.createServer((client) => {
        if (frozen) {
          // Accepted, never answered: the handshake of a new connection hangs too.
          sockets.add(client);
          client.on("error", () => {});
          client.on("close", () => sockets.delete(client));
          return;
        }
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
        links.push({ client, upstream });
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
      for (const { client, upstream } of links.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    restore: async () => {
      frozen = false;
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
