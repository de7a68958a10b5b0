// The lenient JSON readers live in src/protocols/wire-values.ts, shared by every protocol.
export * from "../wire-values";
