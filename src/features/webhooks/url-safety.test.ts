import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { isNonPublicAddress } from './url-safety.js';

// The refused ranges against IANA's special-purpose address registries (a dated copy in ./iana/, see
// its README): every block that is not globally reachable must be refused, at its first and last
// address and in between.

type Entry = { block: string; name: string; globallyReachable: string };

function readRegistry(file: string): Entry[] {
  const lines = fs.readFileSync(new URL(`./iana/${file}`, import.meta.url), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const cells: string[] = [];
    for (const m of line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)) cells.push(m[1].replace(/^"|"$/g, '').replace(/""/g, '"'));
    return { block: cells[0], name: cells[1], globallyReachable: cells[8] };
  });
}

function v4ToBig(a: string): bigint {
  return a.split('.').reduce((n, part) => (n << 8n) | BigInt(part), 0n);
}
function bigToV4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}
function v6ToBig(a: string): bigint {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(`0x${g || '0'}`), 0n);
}
function bigToV6(n: bigint): string {
  const groups = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/** First, last and a few addresses between, of a CIDR block. */
function samples(block: string): string[] {
  const [base, bitsText] = block.split('/');
  const v6 = base.includes(':');
  const width = v6 ? 128n : 32n;
  const bits = BigInt(bitsText);
  const first = v6 ? v6ToBig(base) : v4ToBig(base);
  const size = 1n << (width - bits);
  const points = [0n, size - 1n, size / 2n, size / 3n, (size * 7n) / 11n].filter((p) => p < size);
  return [...new Set(points)].map((p) => (v6 ? bigToV6(first + p) : bigToV4(first + p)));
}

describe.each([
  ['IPv4', 'iana-ipv4-special-registry.csv'],
  ['IPv6', 'iana-ipv6-special-registry.csv'],
])('%s special-purpose registry', (_, file) => {
  const entries = readRegistry(file);
  it('was read', () => expect(entries.length).toBeGreaterThan(20));
  const notGlobal = entries.filter((e) => e.globallyReachable !== 'True');
  it.each(notGlobal.map((e) => [e.block, e.name]))('refuses all of %s (%s)', (block) => {
    for (const address of samples(block)) {
      expect(net.isIP(address), address).not.toBe(0);
      expect(isNonPublicAddress(address), address).toBe(true);
    }
  });
});

describe('IPv6 outside the global unicast space', () => {
  it.each(['::127.0.0.1', '::a00:1', '::a9fe:a9fe', '::8.8.8.8', '::1:0:0:1', '1::1', '4000::1', 'e000::1', 'fe00::1'])('refuses %s', (a) => {
    expect(isNonPublicAddress(a)).toBe(true);
  });
  it.each(['2606:4700:4700::1111', '2001:4860:4860::8888', '2620:4f:8000::1', '1.1.1.1', '8.8.8.8'])('allows public %s', (a) => {
    expect(isNonPublicAddress(a)).toBe(false);
  });
});
