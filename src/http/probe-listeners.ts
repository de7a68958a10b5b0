import type { GatewayConfig } from "../config/types";
import { planListeners } from "../gateway";
import { describeListenError } from "./listen-error";

/**
 * Bind each planned address for a moment, before the database is opened. A second `npm start`
 * used to open the database first, wait 3 s for the ledger journal that the running gateway
 * holds, log that "another running gateway owns the ledger journal", and only then fail on the
 * port: two lines about the database before the one that mattered. Port 0 (any free port) needs
 * no check. startGateway still handles the rare port taken between this probe and the listen.
 */
export function probeListeners(config: GatewayConfig): void {
  for (const listener of planListeners(config)) {
    if (listener.port === 0) continue;
    let probe: ReturnType<typeof Bun.serve>;
    try {
      probe = Bun.serve({ hostname: config.server.host, port: listener.port, reusePort: false, fetch: () => new Response(null, { status: 503 }) });
    } catch (error) {
      throw describeListenError(error, config.server.host, listener.port, listener.name);
    }
    probe.stop(true);
  }
}
