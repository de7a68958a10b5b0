/**
 * Streamed foreground responses (`store` not false, no `background`) this gateway process is
 * relaying right now. Their record is written only when the stream ends, so without this a
 * `GET /v1/responses/{id}` during the stream was a 404; OpenAI answers it with the response as
 * it is so far (`status: "in_progress"`). An entry is added when the client-bound stream says
 * `response.created` and removed once the record is saved or the stream ends otherwise (upstream
 * failure, client gone, gateway stopping): then the stored record, or nothing, answers as before.
 * Per process: a GET that reaches another replica finds only what the database holds. One per
 * response store (house rule 6).
 */
import type { StoredResponseRecord } from "../store/types";

export interface LiveResponse {
  /** The creating caller's user: nobody else sees it, as with a stored record. */
  userId: number | null;
  /** The record it would be stored as if it ended now (in_progress, the output items done so far). */
  record(): StoredResponseRecord;
}

export class LiveResponses {
  private readonly entries = new Map<string, LiveResponse>();

  add(id: string, entry: LiveResponse): void {
    this.entries.set(id, entry);
  }

  /** Remove `id` if it is still `entry` (never another stream's entry under the same id). */
  remove(id: string, entry: LiveResponse): void {
    if (this.entries.get(id) === entry) this.entries.delete(id);
  }

  /** The live response `id` as a record, when `userId` created it. */
  recordOf(id: string, userId: number | null): StoredResponseRecord | undefined {
    const entry = this.entries.get(id);
    return entry && entry.userId === userId ? entry.record() : undefined;
  }

  /** How many are live (tests check that ended streams leave none). */
  get size(): number {
    return this.entries.size;
  }
}
