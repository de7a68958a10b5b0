import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isNonPublicAddress } from "./non-public-address";
import { fetchPinned } from "./pinned-fetch";

/** A file read from a client's URL: its bytes in base64, the type the server named, a file name. */
export interface FetchedFile {
  data: string;
  /** From Content-Type (parameters dropped); empty when the server named none. */
  mediaType: string;
  /** The last segment of the URL's path, when it has one. */
  filename?: string;
}

export interface FileUrlLimits {
  maxBytes: number;
  timeoutMs: number;
  /** Fetch from loopback, private and link-local addresses too (off: the gateway is no proxy into its own network). */
  privateHosts: boolean;
}

/** Why a URL could not be read, in words for the client's 400. */
export class FileUrlError extends Error {}

/** A host name's addresses (the system resolver, getaddrinfo; tests play a rebinding DNS with their own). */
export type ResolveHost = (host: string) => Promise<string[]>;

const resolveWithSystem: ResolveHost = (host) => lookup(host, { all: true }).then((found) => found.map((entry) => entry.address));

/** Redirects followed, each one checked as the first URL was. */
const MAX_REDIRECTS = 5;

/**
 * GET a file a client named by URL (a Responses `input_file.file_url` for an upstream that takes
 * only inline files), under a size cap and one deadline for the whole read. http and https only.
 * Unless `privateHosts`, a host that is or resolves to a loopback, private, link-local or
 * otherwise non-public address is refused, redirects included, so a client cannot make the
 * gateway read its own network (cloud metadata, admin ports). The host is resolved once, and the
 * connection goes to an address that was checked (pinned-fetch.ts), so a name cannot answer a
 * public address to the check and a private one to the connection (DNS rebinding). The deadline
 * covers the lookup too, and the client's abort ends the read at any point.
 */
export async function fetchFileUrl(url: string, limits: FileUrlLimits, signal?: AbortSignal, resolveHost: ResolveHost = resolveWithSystem): Promise<FetchedFile> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new FileUrlError(`no answer within ${limits.timeoutMs} ms`)), limits.timeoutMs);
  const onClientAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onClientAbort, { once: true });
  try {
    let current = parseFetchableUrl(url);
    for (let redirects = 0; ; redirects++) {
      const init = { redirect: "manual", signal: controller.signal } as const;
      // With private hosts allowed there is nothing to pin against: fetched by name, as a proxy may need.
      const sending = limits.privateHosts ? fetch(current, init) : fetchFromAny(current, await untilAborted(publicAddressesOf(current.hostname, resolveHost), controller.signal), init);
      const response = await sending.catch((error: unknown) => {
        throw controller.signal.aborted && controller.signal.reason instanceof FileUrlError ? controller.signal.reason : new FileUrlError(`cannot connect (${errorText(error)})`);
      });
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        if (redirects >= MAX_REDIRECTS) throw new FileUrlError(`more than ${MAX_REDIRECTS} redirects`);
        current = parseFetchableUrl(new URL(location, current).href);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new FileUrlError(`the server answered ${response.status}`);
      }
      const bytes = await readCapped(response, limits.maxBytes, controller.signal);
      const filename = decodeURIComponent(current.pathname.split("/").at(-1) ?? "") || undefined;
      return { data: Buffer.from(bytes).toString("base64"), mediaType: (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase(), ...(filename ? { filename } : {}) };
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onClientAbort);
  }
}

function parseFetchableUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FileUrlError("not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FileUrlError(`only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, "")}`);
  return url;
}

/** The body, refused as soon as it passes `maxBytes` (a Content-Length over it is refused unread). */
async function readCapped(response: Response, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const tooLarge = () => new FileUrlError(`larger than the ${maxBytes}-byte limit`);
  if (Number(response.headers.get("content-length") ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof FileUrlError) throw error;
    throw signal.aborted && signal.reason instanceof FileUrlError ? signal.reason : new FileUrlError(`the download failed (${errorText(error)})`);
  }
  return Buffer.concat(chunks);
}

/**
 * The promise's result, or its rejection with the signal's reason as soon as the signal aborts:
 * the deadline and the client's abort end the wait for a DNS lookup too, which no signal can
 * cancel (getaddrinfo runs on to its own timeouts and retries, and its late answer is dropped).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The host's addresses, all of them public (one that is not refuses the URL), in the resolver's order. */
async function publicAddressesOf(hostname: string, resolveHost: ResolveHost): Promise<string[]> {
  const host = hostname.replace(/^\[|\]$/g, "");
  const cannotResolve = () => new FileUrlError(`cannot resolve host ${JSON.stringify(host)}`);
  const addresses = isIP(host) ? [host] : await resolveHost(host).catch(() => Promise.reject(cannotResolve()));
  if (addresses.length === 0) throw cannotResolve();
  if (addresses.some(isNonPublicAddress)) throw new FileUrlError(`host ${JSON.stringify(host)} is not a public address`);
  return addresses;
}

/**
 * The first of the checked addresses that connects (a name with an unreachable IPv6 address and
 * a working IPv4 one still reads, as a fetch by name would). An answer of any status ends the
 * search; only a failure to connect moves on, and the overall deadline still bounds it.
 */
async function fetchFromAny(url: URL, addresses: string[], init: BunFetchRequestInit & { signal: AbortSignal }): Promise<Response> {
  let failure: unknown;
  for (const address of addresses) {
    try {
      return await fetchPinned(url, address, init);
    } catch (error) {
      if (init.signal.aborted) throw error;
      failure = error;
    }
  }
  throw failure;
}

function errorText(error: unknown): string {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause?.code ?? (error as { code?: string } | undefined)?.code;
  return cause ?? (error instanceof Error ? error.message : String(error));
}
