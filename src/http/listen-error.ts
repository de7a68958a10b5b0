/**
 * A listener that cannot open (the port is taken, the host is not this machine's) used to end the
 * daemon with Bun's stack trace from inside Elysia ("Failed to start server. Is port 8081 in
 * use?" under a code excerpt), after the database had been opened and a warning about another
 * gateway logged. This error says which address failed, why, and what to change.
 */
export class ListenError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "ListenError";
    this.code = code;
  }
}

/**
 * Where each listener's port is set. In multi-port mode a taken OpenAI, Anthropic or admin port
 * was reported with "--port or TOKLIGENCE_PORT", the facade's, so the operator changed a port
 * that was not the problem.
 */
const PORT_SETTINGS: Record<string, string> = {
  facade: "--port or TOKLIGENCE_PORT",
  openai: "multiport.openai_port or TOKLIGENCE_OPENAI_PORT",
  anthropic: "multiport.anthropic_port or TOKLIGENCE_ANTHROPIC_PORT",
  admin: "multiport.admin_port or TOKLIGENCE_ADMIN_PORT",
};

/** The error Bun.serve threw for `host:port` of the listener `listener` (planListeners' name), as one sentence a user can act on. */
export function describeListenError(error: unknown, host: string, port: number, listener = "facade"): ListenError {
  const code = (error as { code?: string } | null)?.code;
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const setting = PORT_SETTINGS[listener] ?? PORT_SETTINGS.facade!;
  const why =
    code === "EADDRINUSE"
      ? `the port is already in use (another gateway, or another program, listens there); stop it or choose another port with ${setting}`
      : code === "EADDRNOTAVAIL"
        ? `${host} is not an address of this machine; use --host 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`
        : code === "EACCES"
          ? `permission denied (ports below 1024 need privileges); choose a port from 1024 up with ${setting}`
          : code === "ENOENT" || code === "ENOTFOUND" || code === "EAI_NONAME"
            ? `${host} does not resolve to an address of this machine; use --host 127.0.0.1 or 0.0.0.0`
            : ((error as Error | null)?.message ?? String(error));
  return new ListenError(`cannot listen on ${address}: ${why}`, code);
}
