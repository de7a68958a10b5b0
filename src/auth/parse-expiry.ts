/** Key expiry: an absolute ISO 8601 time, or a time-to-live from now (`720h`, `30d`, the original CLI's --ttl). */
import { GatewayError } from "../errors/gateway-error";

const TTL = /^(\d+)([smhd])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseExpiry(value: string | undefined, param: string, now: Date = new Date()): Date | null {
  if (value === undefined || value.trim() === "") return null;
  const text = value.trim();
  const ttl = TTL.exec(text);
  if (ttl) return new Date(now.getTime() + Number(ttl[1]) * UNIT_MS[ttl[2] as keyof typeof UNIT_MS]);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new GatewayError("invalid_request", 400, `${param} must be an ISO 8601 time or a duration like 720h or 30d`, { param });
  return new Date(parsed);
}
