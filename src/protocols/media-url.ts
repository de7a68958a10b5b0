import type { MediaSource } from "../canonical/types";
import { GatewayError } from "../errors/gateway-error";

/**
 * Data URLs ⇄ canonical media sources (C01), for every OpenAI-side decoder. Split on the first
 * comma; the media type is what precedes `;base64`. A malformed data URL is a 400 here: sent on
 * as a URL, the provider's 400 would name a field the client never sent.
 */
export function parseMediaUrl(url: string): MediaSource {
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    if (comma > 0) {
      const header = url.slice(5, comma);
      const mediaType = header.split(";")[0] || "application/octet-stream";
      if (header.includes(";base64")) return { kind: "base64", mediaType, data: url.slice(comma + 1) };
      // A non-base64 data URL: re-encode so canonical only knows base64 payloads.
      const data = Buffer.from(percentDecode(url.slice(comma + 1)), "utf8").toString("base64");
      return { kind: "base64", mediaType, data };
    }
    // A data: URL without a payload is no URL a provider could fetch either.
    throw new GatewayError("invalid_request", 400, "invalid data URL: expected data:<media type>[;base64],<data>");
  }
  return { kind: "url", url };
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new GatewayError("invalid_request", 400, "invalid data URL: malformed percent-encoding");
  }
}

export function formatDataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}
