/**
 * What every browser test shares: the gateway's address, a Chromium from
 * the system (nothing is downloaded), a watch on CSP violations and script
 * errors, signing in, screenshots and the accessibility check.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

// BASE_URL, passed on by vitest.e2e.config.ts (Vitest itself sets BASE_URL to "/").
export const baseUrl = process.env.E2E_BASE_URL?.replace(/\/+$/, '') ?? '';
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Screenshots of the pages, kept by CI as artifacts. */
export const screenshotsDir = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see the comment at the top of this test file)`);
  return value;
}

export type Session = {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** CSP violations and uncaught script errors seen so far: a test asserts there were none. */
  problems: string[];
};

/** A fresh browser with an empty profile and one 1280×800 page. */
export async function openBrowser(): Promise<Session> {
  if (!baseUrl) {
    throw new Error('BASE_URL is not set: start the gateway and run e.g. BASE_URL=http://127.0.0.1:7860 npm run test:e2e');
  }
  await mkdir(screenshotsDir, { recursive: true });
  const browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      problems.push(`CSP: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  return { browser, context, page, problems };
}

export function url(path: string): string {
  return `${baseUrl}${path}`;
}

/** The path, search and hash the page is at now. */
export function currentPath(page: Page): string {
  const { pathname, search, hash } = new URL(page.url());
  return pathname + search + hash;
}

/** Fills in and sends the password form of the sign-in page the browser is on. */
export async function fillSignIn(page: Page, username: string, password: string) {
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Goes to sign-in, signs in, and waits for the shell. */
export async function signIn(page: Page, username: string, password: string) {
  await page.goto(url('/login'));
  await fillSignIn(page, username, password);
  await page.getByText(`Signed in as ${username}`, { exact: true }).waitFor();
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

export async function screenshot(page: Page, name: string) {
  // From the top, so that the sticky header and sidebar are where they belong.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });
}

/**
 * The WCAG A and AA rules of axe-core on the page as it is now: the
 * serious and critical violations, as readable lines (none is the goal).
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map(
      (v) =>
        `${v.impact}: ${v.id} (${v.help}) at ${v.nodes
          .map((n) => `${n.target.join(' ')}${n.any[0]?.message ? ` [${n.any[0].message}]` : ''}`)
          .join(', ')}`,
    );
}

/** The page is no wider than the window: nothing to scroll sideways. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
