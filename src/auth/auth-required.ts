/**
 * Whether model endpoints require a key. `auth.disabled` decides when set; unset, a gateway
 * listening only on loopback stays open (local developer use, the original's default) and
 * one reachable from the network requires keys (the original's "secure by default" was not
 * true, upstream notes §5.14).
 */
import type { GatewayConfig } from "../config/types";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost", "[::1]"]);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.trim().toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host.trim());
}

export function resolveAuthRequired(config: Pick<GatewayConfig, "auth" | "server">): boolean {
  if (config.auth.disabled !== undefined) return !config.auth.disabled;
  return !isLoopbackHost(config.server.host);
}
