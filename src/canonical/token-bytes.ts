/**
 * A token's UTF-8 bytes: the upstream's own when it gave them, else the token text encoded.
 * Responses stream deltas carry no bytes and some Chat servers send `bytes: null`, while Chat
 * clients (the openai SDK, evaluation tools) and Responses `output_text` parts read `bytes` as
 * a list.
 */
const utf8 = new TextEncoder();

export function tokenBytes(token: { token: string; bytes?: number[] }): number[] {
  return token.bytes ?? Array.from(utf8.encode(token.token));
}
