/**
 * The approximate user location a web search may be given, read from and written to the three
 * wire forms: Chat `web_search_options.user_location` nests the fields under `approximate`;
 * the Responses `web_search` tool and Anthropic's `web_search_*` server tool keep them flat
 * beside `type: "approximate"`. Only the fields all three share are carried.
 */
import type { ApproximateLocation, WebSearchRequest } from "../canonical/types";
import { isRecord } from "./wire-values";

const LOCATION_FIELDS = ["city", "region", "country", "timezone"] as const;

/** A wire `user_location` (flat or Chat's nested form) → its location, or undefined when it names none. */
export function readApproximateLocation(value: unknown): ApproximateLocation | undefined {
  if (!isRecord(value)) return undefined;
  const fields = isRecord(value.approximate) ? value.approximate : value;
  const location: ApproximateLocation = {};
  for (const key of LOCATION_FIELDS) if (typeof fields[key] === "string") location[key] = fields[key];
  return Object.keys(location).length > 0 ? location : undefined;
}

/** The flat wire form Responses and Anthropic take: `{type:"approximate", city, region, country, timezone}`. */
export function encodeFlatLocation(location: ApproximateLocation): Record<string, unknown> {
  return { type: "approximate", ...location };
}

/** Chat `web_search_options` → the canonical web search (an empty object asks for a search with the defaults). */
export function decodeChatWebSearchOptions(value: unknown): WebSearchRequest | undefined {
  if (!isRecord(value)) return undefined;
  const userLocation = readApproximateLocation(value.user_location);
  return {
    ...(typeof value.search_context_size === "string" ? { contextSize: value.search_context_size } : {}),
    ...(userLocation ? { userLocation } : {}),
  };
}
