#!/usr/bin/env bun
import { basename } from "node:path";
import { runCli, runDaemonCli } from "../cli/index";

/**
 * One multi-call binary (packaging-and-stack §8.3): invoked as `gatewayd` it runs the daemon,
 * as `gateway` it is the CLI (`gateway serve` runs the daemon too).
 */
const invokedAs = basename(process.argv0 || "gateway").replace(/\.(exe|js|cjs|mjs)$/i, "");
const args = process.argv.slice(2);
const runsDaemon = invokedAs === "gatewayd" || process.env.TOKLIGENCE_INVOKED_AS === "gatewayd";
await (runsDaemon ? runDaemonCli(args) : runCli(args));
