import packageJson from "../package.json" with { type: "json" };

// Baked in by scripts/build.ts with --define; absent when running from source.
declare const GW_VERSION: string | undefined;
declare const GW_COMMIT: string | undefined;

/** The gateway's version: the compiled-in value, else package.json (one source of truth). */
export const gatewayVersion: string = typeof GW_VERSION === "string" ? GW_VERSION : packageJson.version;

/** The git commit the binary was built from, or "dev" when running from source. */
export const gatewayCommit: string = typeof GW_COMMIT === "string" ? GW_COMMIT : "dev";
