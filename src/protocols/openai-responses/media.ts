import type { MediaSource } from "../../canonical/types";

/**
 * Data URLs ⇄ canonical media sources (C01). Split on the first comma; the media type is
 * what precedes `;base64`.
 */
export function parseMediaUrl(url: string): MediaSource {
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    if (comma > 0) {
      const header = url.slice(5, comma);
      const mediaType = header.split(";")[0] || "application/octet-stream";
      if (header.includes(";base64")) return { kind: "base64", mediaType, data: url.slice(comma + 1) };
      // A non-base64 data URL: re-encode so canonical only knows base64 payloads.
      const data = Buffer.from(decodeURIComponent(url.slice(comma + 1)), "utf8").toString("base64");
      return { kind: "base64", mediaType, data };
    }
  }
  return { kind: "url", url };
}

export function formatDataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}
