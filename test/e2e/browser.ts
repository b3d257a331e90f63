import fs from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

// Debian's Chromium (.ci/run installs it: apt-get install -y chromium), driven by playwright-core.
export const CHROMIUM = '/usr/bin/chromium';
// Where each page's screenshot goes: a test artifact, kept out of git.
export const SCREENSHOT_DIR = path.resolve('test-artifacts/screenshots');

export type TestBrowser = { browser: Browser; close(): Promise<void> };

/** Headless, sandbox off (CI runs as root), nothing that calls out: this machine has no internet. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's Chromium (apt-get install -y chromium), as .ci/run does`);
  }
  // launch() gives every browser a fresh, empty profile (user-data dir) of its own, removed at close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return { browser, close: () => browser.close() };
}

/**
 * Checks the page as it stands with axe (WCAG 2.1 A/AA rules) and saves a screenshot of it.
 * Serious and critical violations fail the test, listed with the elements they were found on.
 */
export async function checkPage(page: Page, name: string) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const blocking = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(blocking, `accessibility of ${name}`).toEqual([]);
}

/** The page is no wider than the screen: nothing scrolls sideways. */
export async function expectNoHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `horizontal overflow of ${page.url()}`).toBeLessThanOrEqual(0);
}

/** A browser context of its own, signed in as `user` (its session cookie set for `url`), at `viewport`. */
export async function sessionContext(chrome: TestBrowser, user: { cookie: string }, url: string, viewport: { width: number; height: number }): Promise<BrowserContext> {
  const ctx = await chrome.browser.newContext({ viewport });
  const [name, value] = user.cookie.split('=');
  await ctx.addCookies([{ name, value, url, httpOnly: true, sameSite: 'Lax' }]);
  return ctx;
}

/**
 * Where the main menu's links are: the side menu on a wide screen; on a phone (below 700 px) the sheet
 * that the bottom bar's More opens, opened here.
 */
export async function mainMenu(page: Page): Promise<Locator> {
  // The layout loads lazily: wait until a Main navigation is drawn before asking which one it is.
  await page.getByRole('navigation', { name: 'Main' }).first().waitFor();
  const more = page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'More' });
  if (!(await more.isVisible())) return page.getByRole('navigation', { name: 'Main' }).first();
  await more.click();
  const sheet = page.getByRole('dialog', { name: 'More' });
  await sheet.waitFor();
  return sheet;
}
