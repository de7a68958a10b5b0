// The hand-written ZIP and tar writers, read back by independent readers (Python's zipfile,
// unzip, GNU tar): contents, unix modes (the exec bit pip and users need) and hard links.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { writeTar } from "../../scripts/lib/tar-writer";
import { writeZip } from "../../scripts/lib/zip-writer";
import { makeTempDir, runCommand } from "./support/packaging-harness";

const dir = makeTempDir("tgw-writers-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const payload = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);

describe("writeZip", () => {
  test("python's zipfile reads names, bytes, CRCs and unix modes", async () => {
    const path = join(dir, "t.zip");
    await Bun.write(
      path,
      writeZip([
        { name: "pkg/run", data: payload, mode: 0o755 },
        { name: "pkg/ünïcode.txt", data: new TextEncoder().encode("hello\n"), mode: 0o644 },
        { name: "empty", data: new Uint8Array(0), mode: 0o644 },
      ]),
    );
    const script = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps([[i.filename, oct(i.external_attr >> 16), hashlib.sha256(z.read(i)).hexdigest(), i.date_time[0]] for i in z.infolist()]))`;
    const result = await runCommand(["python3", "-c", script, path]);
    expect(result.stderr).toBe("");
    const rows = JSON.parse(result.stdout) as [string, string, string, number][];
    const sha = (data: Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");
    expect(rows).toEqual([
      ["pkg/run", "0o100755", sha(payload), 1980],
      ["pkg/ünïcode.txt", "0o100644", sha(new TextEncoder().encode("hello\n")), 1980],
      ["empty", "0o100644", sha(new Uint8Array(0)), 1980],
    ]);
  });

  test("unzip extracts the exec bit", async () => {
    const path = join(dir, "x.zip");
    await Bun.write(path, writeZip([{ name: "bin/tool", data: new TextEncoder().encode("#!/bin/sh\necho ran\n"), mode: 0o755 }]));
    const out = join(dir, "unz");
    expect((await runCommand(["unzip", "-q", path, "-d", out])).exitCode).toBe(0);
    expect((await runCommand([join(out, "bin/tool")])).stdout).toBe("ran\n");
  });

  test("is deterministic", () => {
    const entries = [{ name: "a", data: payload, mode: 0o644 }];
    expect(Buffer.compare(Buffer.from(writeZip(entries)), Buffer.from(writeZip(entries)))).toBe(0);
  });
});

describe("writeTar", () => {
  test("GNU tar lists modes, sizes and the hard link, and extracts identical bytes", async () => {
    const path = join(dir, "t.tar");
    await Bun.write(
      path,
      writeTar([
        { type: "file", name: "top/gateway", data: payload, mode: 0o755 },
        { type: "hardlink", name: "top/gatewayd", target: "top/gateway", mode: 0o755 },
        { type: "file", name: "top/README.md", data: new TextEncoder().encode("r"), mode: 0o644 },
      ]),
    );
    const list = await runCommand(["tar", "-tvf", path]);
    expect(list.exitCode).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^-rwxr-xr-x root\/root\s+300000 .* top\/gateway$/);
    expect(lines[1]).toMatch(/^hrwxr-xr-x .* top\/gatewayd link to top\/gateway$/);
    expect(lines[2]).toMatch(/^-rw-r--r-- root\/root\s+1 .* top\/README.md$/);
    const out = join(dir, "untar");
    await Bun.write(join(out, ".keep"), "");
    expect((await runCommand(["tar", "-xf", path, "-C", out])).exitCode).toBe(0);
    expect(Buffer.compare(Buffer.from(await Bun.file(join(out, "top/gatewayd")).bytes()), Buffer.from(payload))).toBe(0);
  });

  test("rejects names that do not fit the ustar name field", () => {
    expect(() => writeTar([{ type: "file", name: "x".repeat(101), data: payload, mode: 0o644 }])).toThrow(/longer than 100/);
  });
});
