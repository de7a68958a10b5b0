/** Helpers for the gateway's own JSON APIs (admin, usage): OpenAI-shaped errors, JSON bodies. */
import type { AuthResult } from "../auth/authenticator";
import type { Principal } from "../auth/types";
import { GatewayError, toGatewayError } from "../errors/gateway-error";
import { renderErrorResponse } from "../errors/render";
import { readBodyWithin } from "./read-request";

const ADMIN_BODY_LIMIT = 4 * 1024 * 1024;

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** Run a handler; any failure becomes `{"error":{"message","type","param","code"}}`. */
export async function answerWithErrors(handler: () => Promise<Response>, onUnexpected?: (error: unknown) => void): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    // Unexpected errors, and the gateway's own 5xx (its database away): the cause goes to the log.
    if (!(error instanceof GatewayError)) onUnexpected?.(error);
    else if (error.status >= 500) onUnexpected?.(error.cause ?? error);
    return renderErrorResponse("openai-chat", toGatewayError(error));
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
