import dns from 'node:dns';
import net from 'node:net';

// B6: a webhook URL may not reach loopback, private, link-local, unique-local or otherwise non-public
// addresses, unless the operator allows private targets. Checked at creation and again at connect
// time on every resolved address, so a name that later resolves somewhere private (DNS rebinding)
// is still refused.

const V4_NOT_PUBLIC: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];

// IPv6: only the global unicast space 2000::/3 is ever public (IANA's IPv6 address space registry:
// everything else is reserved by the IETF, unique-local, link-local or multicast). That refuses ::/8
// whole: ::/128, ::1, IPv4-compatible ::/96 (::127.0.0.1 would reach the IPv4 address it carries),
// IPv4-mapped ::ffff:0:0/96, and the NAT64 prefixes 64:ff9b::/96 and 64:ff9b:1::/48, which carry an
// IPv4 address too; 100::/64 and 5f00::/16 (SRv6) likewise. Within 2000::/3, these are not public:
const V6_GLOBAL_UNICAST: [string, number] = ['2000::', 3];
const V6_NOT_PUBLIC: [string, number][] = [
  ['2001::', 23], // IETF protocol assignments (Teredo, benchmarking, ORCHID…)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: carries an IPv4 address
  ['3fff::', 20], // documentation (RFC 9637)
];
// The special-purpose registries these lists are checked against: ./iana/ (url-safety.test.ts).

// Two lists: one BlockList holding both families also matches IPv4 addresses against IPv6 rules
// (through their mapped form), which would put every IPv4 address under ::ffff:0:0/96.
const blockedV4 = new net.BlockList();
for (const [a, p] of V4_NOT_PUBLIC) blockedV4.addSubnet(a, p, 'ipv4');
const blockedV6 = new net.BlockList();
for (const [a, p] of V6_NOT_PUBLIC) blockedV6.addSubnet(a, p, 'ipv6');
const globalV6 = new net.BlockList();
globalV6.addSubnet(V6_GLOBAL_UNICAST[0], V6_GLOBAL_UNICAST[1], 'ipv6');

/** True for an address a webhook may not reach (an IPv4 or IPv6 literal; anything else is refused too). */
export function isNonPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  if (family === 4) return blockedV4.check(address, 'ipv4');
  return !globalV6.check(address, 'ipv6') || blockedV6.check(address, 'ipv6');
}

export class UnsafeTargetError extends Error {
  code = 'EWEBHOOKTARGET';
}

/** The host of a URL as an address literal when it is one (`[::1]` → `::1`), else the name. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Resolves `host` and refuses it when any of its addresses is not public. */
export async function assertPublicHost(host: string): Promise<void> {
  if (net.isIP(host)) {
    if (isNonPublicAddress(host)) throw new UnsafeTargetError(`${host} is not a public address`);
    return;
  }
  const addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  const bad = addresses.find((a) => isNonPublicAddress(a.address));
  if (bad) throw new UnsafeTargetError(`${host} resolves to ${bad.address}, which is not a public address`);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls.connect (undici's connector passes it through): resolves every address of
 * the name and fails the connection when any one is not public, so the socket never opens.
 */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isNonPublicAddress(a.address));
    if (bad) return callback(new UnsafeTargetError(`${hostname} resolves to ${bad.address}, which is not a public address`), '');
    if (options.all) return callback(null, list);
    callback(null, list[0].address, list[0].family);
  });
}
