/**
 * The release matrix: one row per compiled target, shared by the binary build, the
 * npm platform packages, the wheels and the release archives so the four channels
 * can never disagree on names or tags (packaging notes §1).
 */

/** The libc a Linux binary is linked against; null on macOS and Windows. */
export type Libc = "glibc" | "musl" | null;

export interface ReleaseTarget {
  /** Short id used in file names: `linux-x64`, `linux-arm64-musl`, `win32-x64`. */
  id: string;
  /** Value of `bun build --target`. x64 builds are baseline (Nehalem) because the
   *  modern build dies with SIGILL on older CPUs and emulators (notes §1). */
  bunTarget: string;
  /** npm `os` / `cpu` values (Node's process.platform / process.arch). */
  os: "linux" | "darwin" | "win32";
  cpu: "x64" | "arm64";
  libc: Libc;
  /** Wheel platform tag, possibly compressed (`a.b` expands to two Tag lines). */
  wheelPlatform: string;
  /** `.exe` on Windows. */
  exeSuffix: string;
  /** Release archive format: zip on Windows, tar.gz elsewhere. */
  archive: "tar.gz" | "zip";
}

export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  {
    id: "linux-x64",
    bunTarget: "bun-linux-x64-baseline",
    os: "linux",
    cpu: "x64",
    libc: "glibc",
    // The glibc builds use symbols up to GLIBC_2.17 only (notes §1, verified with readelf).
    wheelPlatform: "manylinux_2_17_x86_64.manylinux2014_x86_64",
    exeSuffix: "",
    archive: "tar.gz",
  },
  {
    id: "linux-arm64",
    bunTarget: "bun-linux-arm64",
    os: "linux",
    cpu: "arm64",
    libc: "glibc",
    wheelPlatform: "manylinux_2_17_aarch64.manylinux2014_aarch64",
    exeSuffix: "",
    archive: "tar.gz",
  },
  {
    id: "linux-x64-musl",
    bunTarget: "bun-linux-x64-baseline-musl",
    os: "linux",
    cpu: "x64",
    libc: "musl",
    wheelPlatform: "musllinux_1_2_x86_64",
    exeSuffix: "",
    archive: "tar.gz",
  },
  {
    id: "linux-arm64-musl",
    bunTarget: "bun-linux-arm64-musl",
    os: "linux",
    cpu: "arm64",
    libc: "musl",
    wheelPlatform: "musllinux_1_2_aarch64",
    exeSuffix: "",
    archive: "tar.gz",
  },
  {
    id: "darwin-x64",
    bunTarget: "bun-darwin-x64",
    os: "darwin",
    cpu: "x64",
    libc: null,
    // Mach-O LC_BUILD_VERSION minos is 13.0 (notes §1): a lower tag would install and crash.
    wheelPlatform: "macosx_13_0_x86_64",
    exeSuffix: "",
    archive: "tar.gz",
  },
  {
    id: "darwin-arm64",
    bunTarget: "bun-darwin-arm64",
    os: "darwin",
    cpu: "arm64",
    libc: null,
    wheelPlatform: "macosx_13_0_arm64",
    exeSuffix: "",
    archive: "tar.gz",
  },
  {
    id: "win32-x64",
    bunTarget: "bun-windows-x64-baseline",
    os: "win32",
    cpu: "x64",
    libc: null,
    wheelPlatform: "win_amd64",
    exeSuffix: ".exe",
    archive: "zip",
  },
];

/** The npm scope and launcher name; platform packages are `<launcher>-<id>`. */
export const NPM_LAUNCHER = "@tokligence/gateway";

/** Returns the npm package name of a target's platform package. */
export function getNpmPackageName(target: ReleaseTarget): string {
  return `${NPM_LAUNCHER}-${target.id}`;
}

/** Returns the binary's file name inside packages and archives. */
export function getBinaryName(target: ReleaseTarget): string {
  return `gateway${target.exeSuffix}`;
}

/** Finds a target by id, failing loudly with the list of valid ids. */
export function findTarget(id: string): ReleaseTarget {
  const target = RELEASE_TARGETS.find((t) => t.id === id);
  if (!target) {
    throw new Error(`unknown target "${id}"; expected one of ${RELEASE_TARGETS.map((t) => t.id).join(", ")}`);
  }
  return target;
}

/**
 * Detects the target matching the machine running the build (used for the host-only
 * build and the packaging tests). On Linux the libc is read from Bun's process report:
 * a glibc runtime version present means glibc, otherwise musl.
 */
export function detectHostTarget(): ReleaseTarget {
  const { platform, arch } = process;
  let libc: Libc = null;
  if (platform === "linux") {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    libc = header?.glibcVersionRuntime ? "glibc" : "musl";
  }
  const target = RELEASE_TARGETS.find((t) => t.os === platform && t.cpu === arch && t.libc === libc);
  if (!target) throw new Error(`no release target for host ${platform}-${arch}${libc ? `-${libc}` : ""}`);
  return target;
}
