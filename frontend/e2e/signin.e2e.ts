/**
 * Signs in and out through a real browser against a running gateway.
 *
 *   BASE_URL=http://127.0.0.1:7860 E2E_USERNAME=admin E2E_PASSWORD=... npm run test:e2e
 *
 * BASE_URL must be the gateway's PUBLIC_URL (sign-in is refused from any
 * other Origin). E2E_USERNAME (default admin) must be an administrator.
 * CHROMIUM_PATH picks the browser (default /usr/bin/chromium); nothing is
 * downloaded. A screenshot of the dashboard goes to test-results/.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// BASE_URL, passed on by vitest.e2e.config.ts (Vitest itself sets BASE_URL to "/").
const baseUrl = process.env.E2E_BASE_URL?.replace(/\/+$/, '');
const username = process.env.E2E_USERNAME || 'admin';
const password = process.env.E2E_PASSWORD;
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');

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

let browser: Browser;
let context: BrowserContext;
let page: Page;
const cspViolations: string[] = [];
const pageErrors: string[] = [];

function url(path: string): string {
  return `${baseUrl}${path}`;
}

/** The path, search and hash the page is at now. */
function currentPath(): string {
  const { pathname, search, hash } = new URL(page.url());
  return pathname + search + hash;
}

async function signIn(withPassword: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(withPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('sign-in through the browser', () => {
  beforeAll(async () => {
    if (!baseUrl) {
      throw new Error(
        'BASE_URL is not set: start the gateway and run e.g. ' +
          'BASE_URL=http://127.0.0.1:7860 E2E_USERNAME=admin E2E_PASSWORD=... npm run test:e2e',
      );
    }
    if (!password) {
      throw new Error('E2E_PASSWORD is not set: give the password of E2E_USERNAME (default admin).');
    }
    await mkdir(resultsDir, { recursive: true });
    // launch() gives every run a fresh temporary profile (user-data dir).
    browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
        cspViolations.push(message.text());
      }
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('sends a visitor to the sign-in page', async () => {
    await page.goto(url('/'));
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('shows an error for a wrong password', async () => {
    await signIn(`wrong-${Date.now()}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/invalid username or password/i);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('signs in with the right password', async () => {
    await signIn(password!);
    await page.getByText(`Signed in as ${username}`, { exact: true }).waitFor();
    await page.getByText('Admin', { exact: true }).waitFor();
    await page.getByText('Servers will appear here').waitFor();
    expect(currentPath()).toBe('/');
    await page.screenshot({ path: join(resultsDir, 'dashboard.png'), fullPage: true });
  });

  it('keeps the session in an HttpOnly cookie', async () => {
    const cookies = await context.cookies(baseUrl);
    const session = cookies.find((c) => c.name === 'mcp_gateway_session');
    expect(session, 'the mcp_gateway_session cookie').toBeDefined();
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).not.toBe('None');
    expect(await page.evaluate(() => document.cookie)).not.toContain('mcp_gateway_session');
  });

  it('stays signed in across a reload', async () => {
    await page.reload();
    await page.getByText(`Signed in as ${username}`, { exact: true }).waitFor();
    expect(currentPath()).toBe('/');
  });

  it('fits a narrow screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(resultsDir, 'dashboard-narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(currentPath()).toBe('/login');
  });

  it('needs signing in again afterwards', async () => {
    await page.goto(url('/'));
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByLabel('Password').waitFor();
    expect(currentPath()).toBe('/login?next=%2F');
  });

  it('ran without CSP violations or script errors', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
