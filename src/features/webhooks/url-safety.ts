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

const V6_NOT_PUBLIC: [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96], // IPv4-mapped: would reach the IPv4 address it carries
  ['64:ff9b::', 96], // NAT64: likewise
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID…)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: carries an IPv4 address
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

// Two lists: one BlockList holding both families also matches IPv4 addresses against IPv6 rules
// (through their mapped form), which would put every IPv4 address under ::ffff:0:0/96.
const blockedV4 = new net.BlockList();
for (const [a, p] of V4_NOT_PUBLIC) blockedV4.addSubnet(a, p, 'ipv4');
const blockedV6 = new net.BlockList();
for (const [a, p] of V6_NOT_PUBLIC) blockedV6.addSubnet(a, p, 'ipv6');

/** True for an address a webhook may not reach (an IPv4 or IPv6 literal; anything else is refused too). */
export function isNonPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  return family === 4 ? blockedV4.check(address, 'ipv4') : blockedV6.check(address, 'ipv6');
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
