import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { explainFlagsNpmTook, findFlagsNpmTook } from "../../../scripts/lib/npm-took-flags.cjs";
import { REPO_ROOT } from "../../../scripts/version";

/**
 * `npm start --port 9000` (no "--"): npm reads --port as its own option and hands the script only
 * "9000", so the gateway answered "Unknown argument: 9000" and its whole help, which did not say
 * that npm had taken the flag. npm leaves such an option in the environment as npm_config_port.
 */
test("the gateway's flags npm took are found in its npm_config_* variables, with their values", () => {
  expect(findFlagsNpmTook({ npm_config_port: "true", npm_config_data_dir: "/srv/gw", npm_config_cache: "/root/.npm" })).toEqual([
    { flag: "--port", value: undefined },
    { flag: "--data-dir", value: "/srv/gw" },
  ]);
  expect(findFlagsNpmTook({ npm_config_cache: "/root/.npm", npm_config_loglevel: "warn" })).toEqual([]);
});

test("the message names the flags and the command to type, pairing a lone value npm left behind", () => {
  expect(explainFlagsNpmTook("start", [{ flag: "--port", value: undefined }], ["9000"])).toBe(
    '[tokligence] npm took --port as its own option (options before "--" are npm\'s), so the gateway never saw it. Put the gateway\'s flags after "--": npm start -- --port 9000',
  );
  // Two flags without their values: which leftover word was whose is not known.
  expect(explainFlagsNpmTook("start", [{ flag: "--port", value: undefined }, { flag: "--host", value: undefined }], ["9000", "0.0.0.0"])).toContain("npm start -- --port <value> --host <value>");
  expect(explainFlagsNpmTook("gateway", [{ flag: "--config", value: "gw.toml" }, { flag: "--host", value: undefined }], ["config", "show", "0.0.0.0"])).toBe(
    '[tokligence] npm took --config, --host as its own options (options before "--" are npm\'s), so the gateway never saw them. Put the gateway\'s flags after "--": npm run gateway -- <command> --config gw.toml --host <value>',
  );
});

test("npm start --port 9000, as npm hands it over: exit 2 with the message, no gateway started", () => {
  const result = spawnSync("node", [join(REPO_ROOT, "scripts/npm-run.cjs"), "start", "9000"], { cwd: REPO_ROOT, env: { ...process.env, npm_config_port: "true" }, encoding: "utf8", timeout: 30_000 });
  expect(result.status).toBe(2);
  expect(result.stderr).toContain("npm start -- --port 9000");
  expect(result.stdout).toBe("");
});
