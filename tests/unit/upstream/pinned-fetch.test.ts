import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchPinned } from "../../../src/upstream/pinned-fetch";

/**
 * A request sent to an address already checked keeps its host name: Host header, and for https
 * SNI and the certificate check. Certificates are made at run time with openssl (none is kept in
 * the repository); without openssl the https cases cannot run and say so.
 */
const openssl = Bun.which("openssl");

function makeCertificate(dir: string, name: string): { cert: string; key: string } {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.pem`);
  const made = Bun.spawnSync([openssl!, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", `/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`], { stderr: "pipe" });
  if (made.exitCode !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
  return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
}

describe("fetchPinned over http", () => {
  test("connects to the given address and sends the URL's host as Host", async () => {
    const seen: string[] = [];
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => (seen.push(request.headers.get("host") ?? ""), new Response("file")) });
    try {
      // No resolver knows this name: only the pinned address can have answered.
      const response = await fetchPinned(new URL(`http://files.invalid:${server.port}/a.txt`), "127.0.0.1");
      expect(await response.text()).toBe("file");
      expect(seen).toEqual([`files.invalid:${server.port}`]);
    } finally {
      server.stop(true);
    }
  });
});

describe.skipIf(!openssl)("fetchPinned over https (needs openssl to make test certificates)", () => {
  let dir: string;
  let files: { cert: string; key: string };
  let other: { cert: string; key: string };
  let server: ReturnType<typeof Bun.serve>;
  const seen: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pinned-fetch-"));
    files = makeCertificate(dir, "files.example.test");
    other = makeCertificate(dir, "other.example.test");
    // The certificate is chosen by SNI: files.example.test gets its own, any other name the other one.
    server = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: [{ ...other }, { serverName: "files.example.test", ...files }], fetch: (request) => (seen.push(request.headers.get("host") ?? ""), new Response("secure file")) });
  });
  afterAll(() => {
    server?.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });
  test("sends the host name as SNI and verifies the certificate against it, not against the address", async () => {
    const response = await fetchPinned(new URL(`https://files.example.test:${server.port}/a.txt`), "127.0.0.1", { tls: { ca: [files.cert, other.cert] } });
    expect(await response.text()).toBe("secure file");
    expect(seen.at(-1)).toBe(`files.example.test:${server.port}`);
  });

  test("a certificate that does not name the host is refused", async () => {
    // evil.example.test gets the other name's certificate (no SNI match): the check must fail.
    const before = seen.length;
    await expect(fetchPinned(new URL(`https://evil.example.test:${server.port}/a.txt`), "127.0.0.1", { tls: { ca: [files.cert, other.cert] } })).rejects.toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    expect(seen.length).toBe(before);
  });

  test("the default roots still apply: a self-signed certificate is refused without its CA", async () => {
    await expect(fetchPinned(new URL(`https://files.example.test:${server.port}/a.txt`), "127.0.0.1")).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
  });
});
