/**
 * The door of every model endpoint (chat, Responses, embeddings, Messages, count_tokens and
 * the /v1/models listing): authenticate, then require the `models` scope, so a key created
 * for reading usage only (`--scopes usage`) cannot spend tokens. Two steps, so a caller can
 * keep the principal of a refused-for-scope request (its ledger row names the key's owner).
 */
import { GatewayError } from "../errors/gateway-error";
import type { Authenticator, Principal, RefusedKey } from "./types";

/** A refusal of a real key (revoked, expired, owner inactive), which its ledger row names. */
export class RefusedKeyError extends GatewayError {
  constructor(
    status: 401 | 403,
    message: string,
    readonly refusedKey: RefusedKey,
  ) {
    super(status === 401 ? "unauthorized" : "forbidden", status, message);
  }
}

/** The caller's principal, or a GatewayError with the authenticator's 401/403. */
export async function authenticateModelCall(auth: Authenticator, headers: Headers): Promise<Principal> {
  const result = await auth.authenticate(headers);
  if (!result.ok) {
    if (result.refusedKey) throw new RefusedKeyError(result.status, result.message, result.refusedKey);
    throw new GatewayError(result.status === 401 ? "unauthorized" : "forbidden", result.status, result.message);
  }
  return result.principal;
}

/** 403 unless the principal may call models. */
export function requireModelsScope(principal: Principal): void {
  if (!principal.scopes.includes("models")) throw new GatewayError("forbidden", 403, "this API key lacks the models scope");
}
