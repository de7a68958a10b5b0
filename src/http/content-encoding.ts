import zlib from "node:zlib";
import { GatewayError } from "../errors/gateway-error";

/**
 * Request bodies sent with `content-encoding` (HTTP clients that compress large agent prompts,
 * proxies in front of the gateway). Decoded in full before parsing: the gateway must read the
 * model name and forwards the plain JSON upstream, without the header. The size limit applies to
 * the decoded bytes too, so a small compressed body cannot expand past it.
 */
type Decoder = (data: Uint8Array, options: { maxOutputLength: number }) => Uint8Array;

const decoders: Record<string, Decoder> = {
  gzip: zlib.gunzipSync,
  "x-gzip": zlib.gunzipSync,
  deflate: zlib.inflateSync,
  br: zlib.brotliDecompressSync,
  zstd: zlib.zstdDecompressSync,
};

const SUPPORTED = "gzip, deflate, br, zstd, identity";

/** The codings named by a `content-encoding` header, in the order they were applied; [] for none. */
export function contentCodings(header: string | null): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
}

/** Undo each coding, last applied first; 415 for a coding the gateway cannot undo, 400 for corrupt data. */
export function decodeBody(raw: Uint8Array, codings: string[], limitBytes: number, tooLarge: () => GatewayError): Uint8Array {
  let data = raw;
  for (const coding of [...codings].reverse()) {
    const decode = decoders[coding];
    if (!decode) throw new GatewayError("invalid_request", 415, `unsupported content-encoding '${coding}'; the gateway accepts ${SUPPORTED}`);
    try {
      data = decode(data, { maxOutputLength: limitBytes });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
      throw new GatewayError("invalid_request", 400, `request body could not be decoded as ${coding}: ${(error as Error).message}`);
    }
  }
  return data;
}
