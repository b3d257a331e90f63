// What the dashboard's log-in page costs a slow phone: the bytes it downloads and the time until its
// form shows, on a throttled connection (1.5 Mbps each way, 300 ms latency: Chrome DevTools
// Protocol's Network.emulateNetworkConditions), with the cache off, median of RUNS loads.
//   npm run build && node --import tsx bench/dashboard-load.ts
import { chromium } from 'playwright-core';
import { startTestServer } from '../test/helpers.js';
import { CHROMIUM } from '../test/e2e/browser.js';

const RUNS = Number(process.env.RUNS ?? 5);
const BITS_PER_SECOND = 1.5e6;

const server = await startTestServer();
await server.user(); // a database with a user: the page stays the log-in page, not sign-up
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const loads: { ms: number; bytes: number; files: Map<string, number> }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 300,
      downloadThroughput: BITS_PER_SECOND / 8,
      uploadThroughput: BITS_PER_SECOND / 8,
    });
    const urls = new Map<string, string>();
    const files = new Map<string, number>();
    cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, new URL(e.response.url).pathname));
    // encodedDataLength: the bytes on the wire, headers and (compressed) body.
    cdp.on('Network.loadingFinished', (e) => files.set(urls.get(e.requestId) ?? e.requestId, e.encodedDataLength));
    const started = performance.now();
    await page.goto(`${server.url}/app/login`);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    const ms = performance.now() - started;
    await page.waitForLoadState('networkidle');
    if (new URL(page.url()).pathname !== '/app/login') throw new Error(`ended on ${page.url()}, not the log-in page`);
    loads.push({ ms, bytes: [...files.values()].reduce((a, b) => a + b, 0), files });
    await context.close();
  }
  loads.sort((a, b) => a.ms - b.ms);
  const median = loads[Math.floor(loads.length / 2)];
  for (const [file, bytes] of median.files) console.log(`${String(bytes).padStart(9)}  ${file}`);
  console.log(`log-in page: ${median.bytes} bytes on the wire, form shown after ${Math.round(median.ms)} ms (median of ${RUNS}; all: ${loads.map((l) => Math.round(l.ms)).join(', ')} ms)`);
} finally {
  await browser.close();
  await server.close();
}
