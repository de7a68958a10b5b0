"use strict";
// `npm start --port 9000` without "--": npm reads --port as one of its own options and passes the
// script only "9000", so the gateway answered "Unknown argument: 9000" and its whole help. npm
// keeps such an option in the environment (npm_config_port: "true", or its value for
// --port=9000), so the launcher can say what happened and what to type instead.

// The gateway's flags that are not npm options of the same name (npm's own --json, --loglevel…
// may be set in an .npmrc, so they are left alone).
const GATEWAY_FLAGS = ["config", "env", "port", "host", "work-mode", "log-level", "data-dir", "database-url"];

/** The gateway's flags npm took, in GATEWAY_FLAGS order; `value` when npm kept it (`--port=9000`). */
function findFlagsNpmTook(env) {
  const took = [];
  for (const name of GATEWAY_FLAGS) {
    const value = env[`npm_config_${name.replace(/-/g, "_")}`];
    if (value === undefined) continue;
    took.push({ flag: `--${name}`, value: value === "true" || value === "" ? undefined : value });
  }
  return took;
}

/** One line: which flags npm took, and the command with them after "--". */
function explainFlagsNpmTook(task, took, rest) {
  const names = took.map((entry) => entry.flag).join(", ");
  const several = took.length > 1;
  // `npm start --port 9000` leaves "9000" as the script's only argument: it is that flag's value.
  const lone = task === "start" && rest.length === 1 && took.filter((entry) => entry.value === undefined).length === 1 ? rest[0] : undefined;
  const flags = took.map((entry) => `${entry.flag} ${entry.value ?? lone ?? "<value>"}`).join(" ");
  const command = task === "start" ? `npm start -- ${flags}` : `npm run ${task} -- <command> ${flags}`;
  return `[tokligence] npm took ${names} as its own option${several ? "s" : ""} (options before "--" are npm's), so the gateway never saw ${several ? "them" : "it"}. Put the gateway's flags after "--": ${command}`;
}

module.exports = { findFlagsNpmTook, explainFlagsNpmTook };
