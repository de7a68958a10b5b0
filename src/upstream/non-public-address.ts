import { isIP } from "node:net";

/**
 * Whether an address is one a client's file URL may not lead the gateway to (unless
 * gateway.file_url_private_hosts): loopback, private (RFC 1918, unique local), link-local,
 * CGNAT, unspecified, multicast and reserved IPv4; loopback, unspecified, unique-local,
 * link-local, site-local and multicast IPv6. An IPv6 address that carries an IPv4 one is judged
 * as that IPv4 address, in any spelling: WHATWG URL writes the host `[::ffff:127.0.0.1]` as
 * `::ffff:7f00:1`, and the kernel connects an IPv4-mapped address to the IPv4 host.
 */
export function isNonPublicAddress(address: string): boolean {
  if (isIP(address) === 4) return isNonPublicIpv4(address.split(".").map(Number));
  const groups = ipv6Groups(address);
  if (!groups) return true; // not an address we can read: refused rather than guessed at
  const embedded = embeddedIpv4(groups);
  if (embedded) return isNonPublicIpv4(embedded);
  if (groups.every((group) => group === 0)) return true; // ::
  if (groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1) return true; // ::1
  const first = groups[0]!;
  return (
    (first & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (first & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (first & 0xffc0) === 0xfec0 || // fec0::/10 site-local (deprecated, still routed inside sites)
    (first & 0xff00) === 0xff00 // ff00::/8 multicast
  );
}

function isNonPublicIpv4([a, b]: number[]): boolean {
  return a === 0 || a === 10 || a === 127 || a! >= 224 || (a === 100 && b! >= 64 && b! < 128) || (a === 169 && b === 254) || (a === 172 && b! >= 16 && b! < 32) || (a === 192 && b === 168);
}

/**
 * The IPv4 address an IPv6 one carries in its last 32 bits, where the prefix says it does:
 * IPv4-mapped ::ffff:0:0/96 (RFC 4291), IPv4-translated ::ffff:0:0:0/96 (RFC 2765),
 * IPv4-compatible ::/96 (deprecated, but still an IPv4 host to some stacks), and NAT64's
 * 64:ff9b::/96 (RFC 6052) and 64:ff9b:1::/48 (RFC 8215), which a NAT64 gateway forwards there.
 */
function embeddedIpv4(groups: number[]): number[] | undefined {
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  const mapped = zeros(0, 5) && groups[5] === 0xffff;
  const translated = zeros(0, 4) && groups[4] === 0xffff && groups[5] === 0;
  const compatible = zeros(0, 6) && (groups[6] !== 0 || groups[7]! > 1); // not :: or ::1
  const nat64 = (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) || (groups[0] === 0x64 && groups[1] === 0xff9b && groups[2] === 1);
  if (!mapped && !translated && !compatible && !nat64) return undefined;
  return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff];
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail read as two groups). */
function ipv6Groups(address: string): number[] | undefined {
  const text = address.replace(/%.*$/, ""); // a zone index (fe80::1%eth0) says nothing about the address
  if (isIP(text) !== 6) return undefined;
  const hex = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const [left, right] = hex.split("::"); // isIP allowed at most one "::"
  const read = (part: string | undefined) => (part ? part.split(":").map((group) => Number.parseInt(group, 16)) : []);
  const before = read(left);
  if (right === undefined) return before;
  const after = read(right);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}
