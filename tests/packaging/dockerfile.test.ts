// The Docker image, tested without a Docker engine: the Dockerfile is parsed, and the commands
// it names (ENTRYPOINT + CMD, HEALTHCHECK) are run against the host binary with the image's ENV.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { findTarget } from "../../scripts/lib/targets";
import { REPO_ROOT } from "../../scripts/version";
import { findFreePort, getHostBinary, type HostBinary, makeTempDir, runCommand, startDaemon } from "./support/packaging-harness";
import { type DockerStage, parseDockerfile, readExecForm, readStageEnv } from "./support/parse-dockerfile";

const IMAGE_BINARY = "/usr/local/bin/gateway";
const dockerfile = parseDockerfile(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8"));
const runtime = dockerfile.stages.at(-1)!;
const builder = dockerfile.stages[0]!;
const imageEnv = readStageEnv(runtime);
let host: HostBinary;
let workDir: string;

beforeAll(async () => {
  host = await getHostBinary();
  workDir = makeTempDir("tgw-docker-");
}, 120_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Returns the single instruction of a keyword in a stage. */
function findOne(stage: DockerStage, keyword: string): string {
  const found = stage.instructions.filter((i) => i.keyword === keyword);
  expect(found).toHaveLength(1);
  return found[0]!.args;
}

/** Swaps the image path of the binary for the host build. */
function toHostArgv(argv: string[]): string[] {
  return argv.map((part) => (part === IMAGE_BINARY ? host.gateway : part));
}

/**
 * The image's environment with paths moved into a temp dir; the listen address stays the
 * image's except where a test must bind loopback only.
 */
function buildImageEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: workDir,
    ...imageEnv,
    TOKLIGENCE_DATA_DIR: join(workDir, "data"),
    TOKLIGENCE_CONFIG_DIR: join(workDir, "etc"),
    ...overrides,
  };
}

describe("Dockerfile structure", () => {
  test("the builder is oven/bun at the project's pinned Bun version and compiles with the project script", () => {
    const pinnedBun = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).dependencies.bun as string;
    const bunArg = dockerfile.globalArgs.find((a) => a.keyword === "ARG" && a.args.startsWith("BUN_VERSION="));
    expect(bunArg?.args).toBe(`BUN_VERSION=${pinnedBun}`);
    expect(builder.from).toBe("oven/bun:${BUN_VERSION}-debian");
    const runs = builder.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args).join("\n");
    expect(runs).toContain("bun install --frozen-lockfile");
    expect(runs).toContain('bun scripts/build.ts --target "$target" --no-archive');
    // Both image architectures map to glibc targets: the runtime base is glibc distroless.
    for (const [arch, id] of [["amd64", "linux-x64"], ["arm64", "linux-arm64"]] as const) {
      expect(runs).toContain(`${arch}) target=${id} ;;`);
      expect(findTarget(id).libc).toBe("glibc");
    }
  });

  test("the runtime is distroless nonroot with the binary, a data volume owned by 65532, and the required ENV", () => {
    expect(runtime.from).toBe("gcr.io/distroless/base-debian12:nonroot");
    expect(findOne(runtime, "USER")).toBe("65532:65532");
    const copies = runtime.instructions.filter((i) => i.keyword === "COPY").map((i) => i.args);
    expect(copies).toContain(`--from=build /out/gateway ${IMAGE_BINARY}`);
    expect(copies).toContain(`--from=build --chown=65532:65532 /out/data ${imageEnv.TOKLIGENCE_DATA_DIR}`);
    expect(readExecForm(findOne(runtime, "VOLUME"))).toEqual([imageEnv.TOKLIGENCE_DATA_DIR!]);
    expect(imageEnv.BUN_CONFIG_MAX_HTTP_REQUESTS).toMatch(/^\d+$/);
    expect(imageEnv.TOKLIGENCE_HOST).toBe("0.0.0.0");
    expect(imageEnv.TOKLIGENCE_AUTH_DISABLED).toBe("false");
    expect(imageEnv.NODE_ENV).toBe("production");
    expect<string | undefined>(findOne(runtime, "EXPOSE")).toBe(imageEnv.TOKLIGENCE_PORT);
  });

  test("ENTRYPOINT, CMD and HEALTHCHECK are exec form on the binary", () => {
    expect(readExecForm(findOne(runtime, "ENTRYPOINT"))).toEqual([IMAGE_BINARY]);
    expect(readExecForm(findOne(runtime, "CMD"))).toEqual(["serve"]);
    const healthcheck = findOne(runtime, "HEALTHCHECK");
    const cmd = /\bCMD\s+(\[.*\])$/.exec(healthcheck)?.[1];
    expect(readExecForm(cmd!)).toEqual([IMAGE_BINARY, "healthcheck"]);
  });

  test(".dockerignore keeps secrets, VCS data and local builds out of the context", () => {
    const ignored = readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8").split("\n").map((l) => l.trim());
    for (const entry of [".env", ".git", "node_modules", "bin", "dist"]) expect(ignored).toContain(entry);
  });
});

describe("the image's commands against the host binary", () => {
  test("the image ENV yields a valid configuration: all interfaces, auth on, logs to stdout only", async () => {
    const result = await runCommand([host.gateway, "config", "show", "--json"], { env: buildImageEnv(), cwd: workDir });
    expect(result.exitCode).toBe(0);
    // --json keeps each value's type.
    const rows = new Map((JSON.parse(result.stdout) as { key: string; value: unknown }[]).map((r) => [r.key, r.value]));
    expect(rows.get("server.host")).toBe("0.0.0.0");
    expect(rows.get("auth.disabled")).toBe(false);
    expect(rows.get("log.file")).toBe(false);
  });

  test("the drain fits inside docker stop's default 10 s before SIGKILL, with room to close what is still open", async () => {
    const result = await runCommand([host.gateway, "config", "show", "--json"], { env: buildImageEnv(), cwd: workDir });
    const rows = new Map((JSON.parse(result.stdout) as { key: string; value: unknown }[]).map((r) => [r.key, r.value]));
    // After the grace period the gateway still writes final error events and ledger rows (about a second).
    expect(rows.get("server.shutdown_grace_ms") as number).toBeLessThanOrEqual(8_000);
  });

  test("ENTRYPOINT + CMD runs the daemon, HEALTHCHECK passes while it runs and fails once it stops", async () => {
    const port = findFreePort();
    // Tests listen on loopback only, so the address is the one override of the image's ENV.
    const env = buildImageEnv({ TOKLIGENCE_HOST: "127.0.0.1", TOKLIGENCE_PORT: String(port) });
    const entry = toHostArgv([...readExecForm(findOne(runtime, "ENTRYPOINT")), ...readExecForm(findOne(runtime, "CMD"))]);
    const healthcheck = toHostArgv(readExecForm(/\bCMD\s+(\[.*\])$/.exec(findOne(runtime, "HEALTHCHECK"))![1]!));
    const daemon = await startDaemon(entry, env, port);
    try {
      const healthy = await runCommand(healthcheck, { env });
      expect(healthy.exitCode).toBe(0);
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
    const unhealthy = await runCommand(healthcheck, { env });
    expect(unhealthy.exitCode).toBe(1);
  }, 60_000);
});
