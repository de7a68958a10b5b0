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

/** The error Bun.serve threw for `host:port`, as one sentence a user can act on. */
export function describeListenError(error: unknown, host: string, port: number): ListenError {
  const code = (error as { code?: string } | null)?.code;
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const why =
    code === "EADDRINUSE"
      ? "the port is already in use (another gateway, or another program, listens there); stop it or choose another port with --port or TOKLIGENCE_PORT"
      : code === "EADDRNOTAVAIL"
        ? `${host} is not an address of this machine; use --host 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`
        : code === "EACCES"
          ? "permission denied (ports below 1024 need privileges); choose a port from 1024 up with --port or TOKLIGENCE_PORT"
          : code === "ENOENT" || code === "ENOTFOUND" || code === "EAI_NONAME"
            ? `${host} does not resolve to an address of this machine; use --host 127.0.0.1 or 0.0.0.0`
            : ((error as Error | null)?.message ?? String(error));
  return new ListenError(`cannot listen on ${address}: ${why}`, code);
}
