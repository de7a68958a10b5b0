/**
 * The API key format of the original gateway (notes/upstream-tokligence.md §1.8):
 * `tok_` + base64url without padding of 32 random bytes (47 characters, 256 bits of secret).
 * Stored as hex SHA-256 only; a fast hash is right for high-entropy random secrets
 * (reliability-anchors §2.1). Listed by its first 12 characters.
 */
import { createHash, randomBytes } from "node:crypto";

export const API_KEY_PREFIX = "tok_";
export const API_KEY_DISPLAY_PREFIX_LENGTH = 12;
const API_KEY_SHAPE = /^tok_[A-Za-z0-9_-]{43}$/;

export function generateApiKeyToken(): string {
  return API_KEY_PREFIX + randomBytes(32).toString("base64url");
}

export function hashApiKey(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function keyPrefixOf(token: string): string {
  return token.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH);
}

/** Shape check before any lookup (the shape is not secret; reliability-anchors §2.2). */
export function isApiKeyShaped(token: string): boolean {
  return API_KEY_SHAPE.test(token);
}

/**
 * Keys the caller presented, in order of precedence: `Authorization: Bearer` (OpenAI SDKs,
 * Claude Code's ANTHROPIC_AUTH_TOKEN), then `x-api-key` (our X-API-Key and Anthropic's SDKs;
 * header names are case-insensitive).
 */
/**
 * The Authorization header's value when it is there but not `Bearer <key>` (a bare key, from
 * `curl -H "Authorization: $KEY"`, or another scheme), for the 401 that says so; else undefined.
 */
export function authorizationWithoutBearer(headers: Headers): string | undefined {
  const authorization = headers.get("authorization")?.trim();
  return authorization && !/^bearer\s+\S/i.test(authorization) ? authorization : undefined;
}

export function extractPresentedKeys(headers: Headers): string[] {
  const presented: string[] = [];
  const authorization = headers.get("authorization")?.trim();
  if (authorization) {
    const match = /^bearer\s+(.+)$/i.exec(authorization);
    if (match?.[1]) presented.push(match[1].trim());
  }
  const apiKey = headers.get("x-api-key")?.trim();
  if (apiKey) presented.push(apiKey);
  return presented;
}
