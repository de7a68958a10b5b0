import { createHash } from "node:crypto";

/**
 * H03: Mistral's API accepts only tool call ids of exactly nine letters and digits ("Tool call id
 * was toolu_… but must be a-z, A-Z, 0-9, with a length of 9"), so Claude Code's `toolu_…` and
 * Codex's `call_…` ids are refused on replay. Going to a Mistral model, every other id becomes
 * nine characters derived from it by a hash: the same id maps the same way on every turn, so a
 * call and its result stay paired without any state. Mistral's own ids pass unchanged.
 */

const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Mistral's models by name (Mistral, Mixtral, Codestral, Devstral, Magistral, Ministral, Pixtral), whichever provider serves them. */
export function isMistralModel(model: string): boolean {
  return /(mistral|mixtral|codestral|devstral|magistral|ministral|pixtral)/i.test(model);
}

/** The id to send a Mistral model for the client's tool call id `id`. */
export function mistralToolCallId(id: string): string {
  if (MISTRAL_ID.test(id)) return id;
  const digest = createHash("sha256").update(id).digest();
  let out = "";
  for (let index = 0; index < 9; index++) out += ALPHABET[digest[index]! % ALPHABET.length];
  return out;
}
