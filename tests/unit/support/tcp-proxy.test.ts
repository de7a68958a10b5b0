import { afterAll, beforeAll, expect, test } from "bun:test";
import net from "node:net";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy";

/**
 * The test proxy that plays database outages (tests/support/tcp-proxy.ts). A partition that
 * heals delivers what waited: a connection opened during freeze() reaches the server after
 * restore(). It used to stay held forever, so the gateway's first PostgreSQL connection after a
 * "partition" hung until its 10 s connect timeout, which looked like a gateway hang.
 */

let echo: net.Server;
let proxy: TcpProxy;

beforeAll(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  proxy = await startTcpProxy("127.0.0.1", (echo.address() as net.AddressInfo).port);
});
afterAll(async () => {
  await proxy.stop();
  echo.close();
});

/** Connect through the proxy, send `text`, and resolve with what comes back (or "nothing" after `waitMs`). */
function roundTrip(text: string, waitMs: number, beforeReply?: () => Promise<void>): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(proxy.port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString();
      if (received.length >= text.length) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on("error", () => resolve("error"));
    socket.write(text);
    setTimeout(() => {
      socket.destroy();
      resolve(received || "nothing");
    }, waitMs);
    void beforeReply?.();
  });
}

test("a connection opened during a freeze is forwarded once restored, with what it sent meanwhile", async () => {
  proxy.freeze();
  const answer = roundTrip("hello", 3_000, async () => {
    await Bun.sleep(200);
    await proxy.restore();
  });
  expect(await answer).toBe("hello");
});

test("a connection open before the freeze carries again after restore", async () => {
  const socket = net.connect(proxy.port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  const chunks: string[] = [];
  socket.on("data", (chunk) => chunks.push(chunk.toString()));
  socket.write("one");
  await Bun.sleep(100);
  proxy.freeze();
  socket.write("two");
  await Bun.sleep(200);
  expect(chunks.join("")).toBe("one");
  await proxy.restore();
  await Bun.sleep(200);
  socket.destroy();
  expect(chunks.join("")).toBe("onetwo");
});

test("cut refuses connections until restore, then they work again", async () => {
  await proxy.cut();
  expect(await roundTrip("x", 1_000)).toBe("error");
  await proxy.restore();
  expect(await roundTrip("back", 1_000)).toBe("back");
});
