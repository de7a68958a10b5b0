/**
 * Credentials out of free text that reaches clients and logs (upstream error bodies and
 * messages, URLs). Pure, so the translation layer can use them as the logger does.
 */

/** Remove anything that looks like a credential from free text (upstream error bodies, URLs). */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, "$1[redacted]")
    .replace(/\b(sk-[A-Za-z0-9_-]{6})[A-Za-z0-9_-]+/g, "$1…[redacted]")
    .replace(/\b(tok_[A-Za-z0-9_-]{4})[A-Za-z0-9_-]+/g, "$1…[redacted]")
    .replace(/([?&](?:key|api_key|token)=)[^&\s]+/gi, "$1[redacted]");
}

/**
 * Remove known secret values (a provider's own keys) from free text, whatever their shape:
 * `scrubSecrets` recognises key formats, but an upstream that echoes the key it was sent
 * ("Invalid API key provided: <key>") may use any format, and that text reaches clients.
 */
export function hideSecretValues(text: string, secrets: readonly string[]): string {
  let hidden = text;
  for (const secret of secrets) if (secret.length > 0 && hidden.includes(secret)) hidden = hidden.replaceAll(secret, "[redacted]");
  return hidden;
}
