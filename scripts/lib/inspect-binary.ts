/**
 * Checks a compiled binary's file format against its release target, so a cross build that
 * cannot be run on the build host is still verified: ELF machine, interpreter (glibc or musl)
 * and the newest GLIBC symbol version it needs (the manylinux_2_17 tag promises at most 2.17,
 * packaging notes §1 and pitfall 6); Mach-O CPU type; PE machine.
 */
import type { ReleaseTarget } from "./targets.ts";

export interface BinaryFacts {
  format: "elf" | "macho" | "pe" | "unknown";
  cpu: "x64" | "arm64" | "other";
  /** ELF interpreter path, e.g. /lib/ld-musl-x86_64.so.1. */
  interpreter?: string;
  /** Newest GLIBC_x.y version referenced by .dynstr, as [major, minor]. */
  maxGlibc?: [number, number];
}

const ELF_MACHINES: Record<number, BinaryFacts["cpu"]> = { 0x3e: "x64", 0xb7: "arm64" };
const MACHO_CPUS: Record<number, BinaryFacts["cpu"]> = { 0x01000007: "x64", 0x0100000c: "arm64" };
const PE_MACHINES: Record<number, BinaryFacts["cpu"]> = { 0x8664: "x64", 0xaa64: "arm64" };

/** Reads a NUL-terminated string. */
function readCString(buf: Buffer, offset: number): string {
  const end = buf.indexOf(0, offset);
  return buf.toString("latin1", offset, end < 0 ? buf.length : end);
}

/** Reads the interpreter and the newest GLIBC version from a 64-bit little-endian ELF. */
function inspectElf(buf: Buffer): BinaryFacts {
  const facts: BinaryFacts = { format: "elf", cpu: ELF_MACHINES[buf.readUInt16LE(18)] ?? "other" };
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  for (let i = 0; i < buf.readUInt16LE(0x38); i++) {
    const ph = phoff + i * phentsize;
    if (buf.readUInt32LE(ph) === 3 /* PT_INTERP */) facts.interpreter = readCString(buf, Number(buf.readBigUInt64LE(ph + 0x08)));
  }
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const names = shoff + buf.readUInt16LE(0x3e) * shentsize;
  const namesOffset = Number(buf.readBigUInt64LE(names + 0x18));
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    if (readCString(buf, namesOffset + buf.readUInt32LE(sh)) !== ".dynstr") continue;
    const start = Number(buf.readBigUInt64LE(sh + 0x18));
    const text = buf.toString("latin1", start, start + Number(buf.readBigUInt64LE(sh + 0x20)));
    for (const match of text.matchAll(/GLIBC_(\d+)\.(\d+)/g)) {
      const version: [number, number] = [Number(match[1]), Number(match[2])];
      const max = facts.maxGlibc;
      if (!max || version[0] > max[0] || (version[0] === max[0] && version[1] > max[1])) facts.maxGlibc = version;
    }
  }
  return facts;
}

/** Reads the format facts of a binary image. */
export function inspectBinary(bytes: Uint8Array): BinaryFacts {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.readUInt32BE(0) === 0x7f454c46) return inspectElf(buf);
  if (buf.readUInt32LE(0) === 0xfeedfacf) return { format: "macho", cpu: MACHO_CPUS[buf.readUInt32LE(4)] ?? "other" };
  if (buf.toString("latin1", 0, 2) === "MZ") {
    const pe = buf.readUInt32LE(0x3c);
    if (buf.readUInt32BE(pe) === 0x50450000) return { format: "pe", cpu: PE_MACHINES[buf.readUInt16LE(pe + 4)] ?? "other" };
  }
  return { format: "unknown", cpu: "other" };
}

/** Lists every way a binary does not match its target (empty when it matches). */
export function findTargetMismatches(target: ReleaseTarget, facts: BinaryFacts): string[] {
  const problems: string[] = [];
  const format = target.os === "linux" ? "elf" : target.os === "darwin" ? "macho" : "pe";
  if (facts.format !== format) problems.push(`format ${facts.format}, expected ${format}`);
  if (facts.cpu !== target.cpu) problems.push(`cpu ${facts.cpu}, expected ${target.cpu}`);
  if (target.libc === "musl" && !facts.interpreter?.includes("ld-musl-")) problems.push(`interpreter ${facts.interpreter}, expected musl`);
  if (target.libc === "glibc") {
    if (!facts.interpreter?.includes("ld-linux")) problems.push(`interpreter ${facts.interpreter}, expected glibc`);
    const wanted = /manylinux_(\d+)_(\d+)/.exec(target.wheelPlatform);
    const max = facts.maxGlibc;
    if (wanted && max && (max[0] > Number(wanted[1]) || (max[0] === Number(wanted[1]) && max[1] > Number(wanted[2])))) {
      problems.push(`needs GLIBC_${max.join(".")}, but the wheel tag promises ${wanted[1]}.${wanted[2]}`);
    }
  }
  return problems;
}
