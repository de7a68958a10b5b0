import { asRecord } from "../wire-values";

/**
 * An answer's `content` as a list of chunks instead of a string (K04). Mistral's reasoning models
 * (Magistral, and Mistral Medium when asked for reasoning) send their thinking as
 * `{"type":"thinking","thinking":[{"type":"text","text":"…"}]}` chunks and then text chunks, in
 * streamed deltas as in whole answers; read as a string, both were lost and Claude Code got an
 * empty turn. Other servers send `{"type":"text"}` parts the same way.
 */
export interface ContentPiece {
  kind: "text" | "reasoning";
  text: string;
}

/** The text and reasoning in a `content` that is a chunk list, in order; [] for anything else. */
export function readContentChunks(content: unknown): ContentPiece[] {
  if (!Array.isArray(content)) return [];
  const pieces: ContentPiece[] = [];
  for (const raw of content) {
    const chunk = asRecord(raw);
    if (!chunk) continue;
    if (chunk.type === "thinking") {
      const text = typeof chunk.thinking === "string" ? chunk.thinking : readContentChunks(chunk.thinking).map((piece) => piece.text).join("");
      if (text !== "") pieces.push({ kind: "reasoning", text });
    } else if (typeof chunk.text === "string" && chunk.text !== "") {
      pieces.push({ kind: "text", text: chunk.text });
    }
  }
  return pieces;
}
