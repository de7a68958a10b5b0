#!/usr/bin/env node
// The `gateway` command: runs the platform binary with the user's arguments.
"use strict";
require("../lib/launch.js").launch({ daemon: false });
