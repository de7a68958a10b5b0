import { createHash } from "node:crypto";
import type { Protocol } from "./types";

/**
 * P10: the end-user id for an OpenAI upstream (`user`, `safety_identifier`). OpenAI caps it at
 * 64 characters and asks for no personal data. An Anthropic client's `metadata.user_id` is
 * opaque (Claude Code sends a JSON blob with its device and session ids), so it always goes as
 * its SHA-256 (hex, 64 characters, the same on every request); so does a longer or email-like
 * id. An OpenAI client's own short opaque id goes as it is, as it would reach OpenAI directly,
 * so the provider's abuse reports still name the id the client chose.
 */
export function toOpenAIUserId(user: string, client: Protocol): string {
  if (client !== "anthropic" && user.length <= 64 && !user.includes("@")) return user;
  return createHash("sha256").update(user).digest("hex");
}
