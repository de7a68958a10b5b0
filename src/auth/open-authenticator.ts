import type { Authenticator, Principal } from "./types";

/** The principal of requests when auth is off: anonymous, no user. */
export const anonymousPrincipal: Principal = Object.freeze({ userId: null, apiKeyId: null, email: null, role: "anonymous", scopes: [] });

/** Lets every request through (auth disabled, or no user store configured). */
export function createOpenAuthenticator(principal: Principal = anonymousPrincipal): Authenticator {
  return { required: false, authenticate: async () => ({ ok: true, principal }) };
}
