/**
 * Fresh ids with the prefix each API uses (N06: `msg_…`, `chatcmpl-…`, `toolu_…`, `call_…`).
 * Random rather than counters, because tool ids must be unique across a whole conversation
 * (H02: providers that reuse `call_0` get rejected by Anthropic on replay).
 */
export function generateId(prefix: string, length = 24): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = prefix;
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}
