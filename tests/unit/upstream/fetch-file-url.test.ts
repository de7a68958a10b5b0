import { describe, expect, test } from "bun:test";
import { FileUrlError, fetchFileUrl } from "../../../src/upstream/fetch-file-url";
import { isNonPublicAddress } from "../../../src/upstream/non-public-address";

/** The addresses a client's file URL may not lead the gateway to unless file_url_private_hosts is on. */
describe("isNonPublicAddress", () => {
  test.each(["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1"])("%s is not public", (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });
  test.each(["8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:1.1.1.1"])("%s is public", (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });

  // An IPv4 address inside an IPv6 one is judged as that IPv4 address, in every spelling: a URL
  // host `[::ffff:127.0.0.1]` reaches the check as `::ffff:7f00:1` (WHATWG URL writes IPv6 in
  // hex), and the kernel connects it to 127.0.0.1 (IPv4-mapped, RFC 4291 §2.5.5.2).
  test.each([
    "::ffff:7f00:1", // mapped 127.0.0.1, as URL writes it
    "0:0:0:0:0:ffff:7f00:1",
    "::ffff:a9fe:a9fe", // mapped 169.254.169.254 (cloud metadata)
    "::FFFF:0A00:0001", // mapped 10.0.0.1, upper case
    "::ffff:0:7f00:1", // IPv4-translated 127.0.0.1 (RFC 2765)
    "::127.0.0.1", // IPv4-compatible (deprecated)
    "::7f00:1",
    "64:ff9b::7f00:1", // NAT64 well-known prefix (RFC 6052) before 127.0.0.1
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::a00:1", // NAT64 local-use prefix (RFC 8215)
    "fec0::1", // site-local (deprecated, RFC 3879)
  ])("%s embeds or is a non-public address", (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });
  test.each(["::ffff:808:808", "64:ff9b::808:808", "2001:4860:4860::8888"])("%s is public", (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });
});

describe("fetchFileUrl with private hosts off", () => {
  test("a loopback service named by an IPv4-mapped IPv6 literal is refused unread", async () => {
    let hits = 0;
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (hits++, new Response("private")) });
    try {
      const reading = fetchFileUrl(`http://[::ffff:127.0.0.1]:${server.port}/secret.txt`, { maxBytes: 1000, timeoutMs: 2000, privateHosts: false });
      expect(reading).rejects.toThrow(FileUrlError);
      await reading.catch(() => {});
      expect(hits).toBe(0);
    } finally {
      server.stop(true);
    }
  });
});

/**
 * DNS rebinding: the name answers a public address to the check and a private one to the
 * connection. The resolver given here plays the first answer; the system's own resolver, which
 * a fetch by name would ask again, says `localhost` is 127.0.0.1, where a private service waits.
 * The read must go to the address that was checked (TEST-NET-1, which answers nothing), never
 * to the private service.
 */
describe("fetchFileUrl resolves a host once", () => {
  test("the connection goes to the checked address, not to a second resolution of the name", async () => {
    let hits = 0;
    const privateService = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (hits++, new Response("private")) });
    const rebinding = async (host: string) => (host === "localhost" ? ["192.0.2.1"] : []);
    try {
      const reading = fetchFileUrl(`http://localhost:${privateService.port}/secret.txt`, { maxBytes: 1000, timeoutMs: 500, privateHosts: false }, undefined, rebinding);
      // Refused for failing to reach 192.0.2.1 (the checked address), not by the guard: the check saw a public address.
      await expect(reading).rejects.toThrow(/cannot connect|no answer within/);
      expect(hits).toBe(0);
    } finally {
      privateService.stop(true);
    }
  });

  test("every address the name has is checked, and one private address refuses the URL", async () => {
    const reading = fetchFileUrl("http://mixed.example.test/a.txt", { maxBytes: 1000, timeoutMs: 500, privateHosts: false }, undefined, async () => ["192.0.2.1", "10.0.0.5"]);
    await expect(reading).rejects.toThrow(/not a public address/);
  });
});

/**
 * The deadline covers the whole read, the DNS lookup included: a resolver that never answers (a
 * dead DNS server, getaddrinfo's retries) must not hold the request past file_url_timeout_ms.
 * Before, the timer aborted only the fetch, which had not started yet, and the read waited on the
 * lookup for as long as it took.
 */
describe("fetchFileUrl with a DNS lookup that never answers", () => {
  const neverAnswers = () => new Promise<string[]>(() => {});

  test("gives up at the deadline with the same error a silent server gets", async () => {
    const startedAt = Date.now();
    const reading = fetchFileUrl("http://slow-dns.example.test/a.txt", { maxBytes: 1000, timeoutMs: 150, privateHosts: false }, undefined, neverAnswers);
    const outcome = await Promise.race([reading.then(() => "read", (error: unknown) => error), Bun.sleep(5000).then(() => "still waiting")]);
    expect(outcome).toBeInstanceOf(FileUrlError);
    expect((outcome as Error).message).toBe("no answer within 150 ms");
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  test("the client's abort ends the wait too", async () => {
    const client = new AbortController();
    const reading = fetchFileUrl("http://slow-dns.example.test/a.txt", { maxBytes: 1000, timeoutMs: 60_000, privateHosts: false }, client.signal, neverAnswers);
    setTimeout(() => client.abort(new Error("client went away")), 50);
    const outcome = await Promise.race([reading.then(() => "read", (error: unknown) => error), Bun.sleep(5000).then(() => "still waiting")]);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toBe("client went away");
  });
});
