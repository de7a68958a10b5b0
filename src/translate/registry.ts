import type { Protocol } from "../canonical/types";
import type { Translator } from "./types";

/**
 * The translator for a client protocol served by a different upstream protocol, or
 * undefined when that pair is not implemented yet (the caller answers 501).
 */
export function findTranslator(client: Protocol, upstream: Protocol): Translator | undefined {
  void client;
  void upstream;
  return undefined;
}
