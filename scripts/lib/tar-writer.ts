/**
 * A minimal, deterministic ustar writer (POSIX.1-1988 ustar) for the release
 * archives: regular files with explicit modes, hard links, fixed mtime and owner 0,
 * so archives are reproducible and the exec bit never depends on the build host's umask.
 */
export type TarEntry =
  | { type: "file"; name: string; data: Uint8Array; mode: number }
  | { type: "hardlink"; name: string; target: string; mode: number };

const BLOCK = 512;

/** Writes `value` as a NUL-terminated zero-padded octal field of `width` bytes. */
function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  const text = value.toString(8).padStart(width - 1, "0");
  if (text.length > width - 1) throw new Error(`tar field overflow: ${value}`);
  header.write(`${text}\0`, offset, width, "ascii");
}

/** Builds one 512-byte ustar header block. */
function buildHeader(entry: TarEntry, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(entry.name) > 100) throw new Error(`tar name longer than 100 bytes: ${entry.name}`);
  header.write(entry.name, 0, 100, "utf8");
  writeOctal(header, 100, 8, entry.mode);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, 0); // mtime: epoch, for reproducible archives
  header.write("        ", 148, 8, "ascii"); // checksum is computed with this field as spaces
  header.write(entry.type === "file" ? "0" : "1", 156, 1, "ascii");
  if (entry.type === "hardlink") header.write(entry.target, 157, 100, "utf8");
  header.write("ustar\0", 257, 6, "ascii");
  header.write("00", 263, 2, "ascii");
  header.write("root", 265, 32, "ascii");
  header.write("root", 297, 32, "ascii");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return header;
}

/**
 * Serialises entries into an uncompressed tar stream (gzip it with Bun.gzipSync, which takes only
 * ArrayBuffer-backed bytes; Buffer.concat always allocates a fresh ArrayBuffer).
 */
export function writeTar(entries: readonly TarEntry[]): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const size = entry.type === "file" ? entry.data.length : 0;
    parts.push(buildHeader(entry, size));
    if (entry.type === "file") {
      parts.push(entry.data);
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end-of-archive marker
  return Buffer.concat(parts);
}
