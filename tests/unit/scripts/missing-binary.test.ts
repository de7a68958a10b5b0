import { expect, test } from "bun:test";
import { missingBinaryMessage } from "../../../scripts/lib/missing-binary";

/** A user with only Node.js and npm must be able to run what the message says. */
test("pack:npm and build:wheels without binaries name npm commands, and --host for this machine only", () => {
  const all = missingBinaryMessage("dist/bin/linux-x64/gateway", false, "build:wheels");
  expect(all).toBe("missing dist/bin/linux-x64/gateway: run `npm run build:all` first (every platform), or `npm run build:wheels -- --host` for this machine's binary from `npm run build`");
  expect(missingBinaryMessage("bin/gateway", true, "pack:npm")).toBe("missing bin/gateway: run `npm run build` first");
  expect(all).not.toContain("bun scripts/");
});
