#!/usr/bin/env node
// The `gatewayd` command: the same multi-call binary, told to run the daemon.
"use strict";
require("../lib/launch.js").launch({ daemon: true });
