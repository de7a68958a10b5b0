import { isIP } from "node:net";

/**
 * fetch `url` from `address`, an address of its host the caller has already checked, so that
 * nothing resolves the host again between the check and the connection (DNS rebinding: a name
 * that answers a public address to the check and a private one to the connect). The request
 * still names the URL's host: the Host header carries it, and for https Bun's `tls.serverName`
 * sends it as SNI and verifies the certificate against it (not against the address), as a
 * fetch by name would. Probed on Bun 1.4.5: a certificate for another name fails with
 * ERR_TLS_CERT_ALTNAME_INVALID, the default roots still apply.
 */
export function fetchPinned(url: URL, address: string, init: BunFetchRequestInit = {}): Promise<Response> {
  const target = new URL(url);
  target.hostname = isIP(address) === 6 ? `[${address}]` : address;
  const headers = new Headers(init.headers);
  headers.set("host", url.host);
  // An IP literal needs no pinning and has no name to send: SNI carries names only (RFC 6066 §3).
  const named = isIP(url.hostname.replace(/^\[|\]$/g, "")) === 0;
  const tls = url.protocol === "https:" && named ? { ...init.tls, serverName: url.hostname } : init.tls;
  return fetch(target, { ...init, headers, ...(tls ? { tls } : {}) });
}
