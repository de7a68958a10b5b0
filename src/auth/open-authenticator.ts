import type { Authenticator, Principal } from "./types";

/** The principal of requests when auth is off and there is no user store: anonymous, no user, may call models. */
export const anonymousPrincipal: Principal = Object.freeze({ userId: null, apiKeyId: null, email: null, role: "anonymous", scopes: ["models"] });

/** Lets every request through (auth disabled, or no user store configured). */
export function createOpenAuthenticator(principal: Principal = anonymousPrincipal): Authenticator {
  return { required: false, authenticate: async () => ({ ok: true, principal }) };
}
