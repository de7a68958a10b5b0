/**
 * CORS for browser clients, off unless `server.cors_origins` lists origins (reliability-anchors
 * §2.16; LiteLLM's `allow_origins=["*"]` with credentials is the mistake not to copy):
 * - only a listed origin gets CORS headers, and it gets itself back, never `*` and never an
 *   unlisted origin reflected;
 * - no credentials mode: keys travel in headers, not cookies;
 * - a preflight is granted only the request headers the gateway reads.
 */
import { Elysia } from "elysia";

/** Request headers a page may send: credentials, the two APIs' own headers, and the SDKs' telemetry. */
const ALLOWED_HEADERS = new Set([
  "authorization",
  "x-api-key",
  "content-type",
  "accept",
  "anthropic-version",
  "anthropic-beta",
  "anthropic-dangerous-direct-browser-access",
  "openai-organization",
  "openai-project",
  "openai-beta",
  "x-request-id",
  "idempotency-key",
]);
/** The official SDKs send platform and retry details as x-stainless-* (os, arch, runtime, retry-count, …). */
const isAllowedHeader = (name: string) => ALLOWED_HEADERS.has(name) || name.startsWith("x-stainless-");

/**
 * Response headers a page may read: the request id (error handling, support tickets) and the
 * provider's rate-limit headers the gateway relays (proxy/rate-limit-headers.ts), so a browser
 * client can pace itself as a server-side one does. CORS takes no wildcard here: each name.
 */
const RATE_LIMIT_HEADERS = [
  ...["limit", "remaining", "reset"].flatMap((what) => ["requests", "tokens"].map((unit) => `x-ratelimit-${what}-${unit}`)),
  ...["requests", "tokens", "input-tokens", "output-tokens"].flatMap((unit) => ["limit", "remaining", "reset"].map((what) => `anthropic-ratelimit-${unit}-${what}`)),
];
const EXPOSED_HEADERS = ["x-request-id", "request-id", "retry-after", "retry-after-ms", ...RATE_LIMIT_HEADERS].join(", ");
/** Every method a route answers: the admin API updates users and keys with PATCH. */
const ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS";
const PREFLIGHT_MAX_AGE_S = "600";

/** The CORS hook for the given origins, or undefined when CORS is off (nothing on the request path). */
export function corsHook(origins: readonly string[]) {
  if (origins.length === 0) return undefined;
  const listed = new Set(origins);
  // onRequest runs before routing, for every route of the app this is used in, and for its 404s.
  return new Elysia({ name: "cors" }).onRequest(({ request, set }) => {
    const origin = request.headers.get("origin");
    const allowed = origin !== null && listed.has(origin);
    const preflight = request.method === "OPTIONS" && request.headers.has("access-control-request-method");
    if (preflight) return answerPreflight(request, allowed ? origin : undefined);
    if (!allowed) return;
    set.headers["access-control-allow-origin"] = origin;
    set.headers["access-control-expose-headers"] = EXPOSED_HEADERS;
    set.headers.vary = "Origin";
  });
}

/** 204 with the grant for a listed origin; 403 without any CORS header (the browser then blocks) for others. */
function answerPreflight(request: Request, origin: string | undefined): Response {
  if (!origin) return new Response(null, { status: 403, headers: { vary: "Origin" } });
  const requested = (request.headers.get("access-control-request-headers") ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "" && isAllowedHeader(name));
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers": requested.join(", "),
      "access-control-max-age": PREFLIGHT_MAX_AGE_S,
      vary: "Origin",
    },
  });
}
