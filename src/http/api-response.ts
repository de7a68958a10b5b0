/** Helpers for the gateway's own JSON APIs (admin, usage): OpenAI-shaped errors, JSON bodies. */
import type { AuthResult } from "../auth/authenticator";
import type { Principal } from "../auth/types";
import { GatewayError } from "../errors/gateway-error";
import { renderErrorResponse } from "../errors/render";
import { storeFailureAnswer } from "../store/database-unreachable";
import { readBodyWithin } from "./read-request";

const ADMIN_BODY_LIMIT = 4 * 1024 * 1024;

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** Called once per failed request whose answer is a 5xx: the cause to log, and the answer given. */
export type UnexpectedErrorHandler = (cause: unknown, answer: GatewayError) => void;

/**
 * Run a handler; any failure becomes `{"error":{"message","type","param","code"}}`. A database
 * that cannot be reached (a restart, a partition, a lock held elsewhere) is a retryable 503
 * `database_unavailable` with retry-after, as on the model routes, instead of the 500 of a bug.
 */
export async function answerWithErrors(handler: () => Promise<Response>, onUnexpected?: UnexpectedErrorHandler): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    const answer = storeFailureAnswer(error);
    // The gateway's own 5xx (a bug, its database away): the client sees a short message, so
    // the cause goes to the log.
    if (answer.status >= 500) onUnexpected?.(answer.cause ?? answer, answer);
    return renderErrorResponse("openai-chat", answer);
  }
}

/** The principal, or a GatewayError carrying the 401/403 the authenticator decided. */
export function principalOrThrow(result: AuthResult): Principal {
  if (result.ok) return result.principal;
  throw new GatewayError(result.status === 401 ? "unauthorized" : "forbidden", result.status, result.message);
}

/** The raw body as text, within a small limit (admin payloads are small). */
export async function readBodyText(request: Request): Promise<string> {
  const buffer = await readBodyWithin(request, ADMIN_BODY_LIMIT, () => new GatewayError("body_too_large", 413, "request body is larger than 4 MiB"));
  return new TextDecoder().decode(buffer);
}

/** A JSON object body (an empty body counts as `{}`). */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const text = await readBodyText(request);
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new GatewayError("invalid_json", 400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new GatewayError("invalid_request", 400, "request body must be a JSON object");
  return body as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new GatewayError("invalid_request", 400, `${key} must be a string`, { param: key });
  return value;
}
