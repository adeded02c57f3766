/**
 * Signs in and out through a real browser against a running gateway.
 *
 *   BASE_URL=http://127.0.0.1:7860 E2E_USERNAME=admin E2E_PASSWORD=... npm run test:e2e
 *
 * BASE_URL must be the gateway's PUBLIC_URL (sign-in is refused from any
 * other Origin). E2E_USERNAME (default admin) must be an administrator.
 * CHROMIUM_PATH picks the browser (default /usr/bin/chromium); nothing is
 * downloaded. Screenshots of the pages go to e2e/screenshots/.
 *
 * With E2E_LIVE_SERVER and E2E_LIVE_SERVER_ID (a polled server's path and
 * id), it watches that server's card change live as it is toggled.
 *
 * With E2E_IDP_NAME (an identity provider's display name) and
 * E2E_IDP_USERNAME (who that provider signs in, without asking: a test
 * provider), it also signs in with "Sign in with <E2E_IDP_NAME>".
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  accessibilityProblems,
  baseUrl,
  currentPath as pathOf,
  fillSignIn,
  horizontalOverflow,
  openBrowser,
  screenshot,
  url,
  type Session,
} from './support';

const username = process.env.E2E_USERNAME || 'admin';
const password = process.env.E2E_PASSWORD;
const idpName = process.env.E2E_IDP_NAME;
const idpUsername = process.env.E2E_IDP_USERNAME;
// E2E_LIVE_SERVER (a path) and E2E_LIVE_SERVER_ID: a registered server the
// gateway polls; its card must follow changes without a reload.
const liveServer = process.env.E2E_LIVE_SERVER;
const liveServerId = process.env.E2E_LIVE_SERVER_ID;

let session: Session;
let context: BrowserContext;
let page: Page;

const currentPath = () => pathOf(page);

async function signIn(withPassword: string) {
  await fillSignIn(page, username, withPassword);
}

/** The sign-in page's link to the identity provider E2E_IDP_NAME. */
function providerButton() {
  return page.getByRole('link', { name: `Sign in with ${idpName}`, exact: true });
}

describe('sign-in through the browser', () => {
  beforeAll(async () => {
    if (!password) {
      throw new Error('E2E_PASSWORD is not set: give the password of E2E_USERNAME (default admin).');
    }
    if (Boolean(idpName) !== Boolean(idpUsername)) {
      throw new Error('Set both E2E_IDP_NAME and E2E_IDP_USERNAME, or neither.');
    }
    // launch() gives every run a fresh temporary profile (user-data dir).
    session = await openBrowser();
    ({ context, page } = session);
  });

  afterAll(async () => {
    await session?.browser.close();
  });

  it('sends a visitor to the sign-in page', async () => {
    await page.goto(url('/'));
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Password', { exact: true }).waitFor();
    if (idpName) await providerButton().waitFor();
    await screenshot(page, 'sign-in');
    expect(await accessibilityProblems(page)).toEqual([]);
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
    await page.getByRole('heading', { name: 'MCP servers' }).waitFor();
    expect(currentPath()).toBe('/');
    await screenshot(page, 'dashboard');
  });

  it.runIf(liveServer)('shows health changes live, without reloading', async () => {
    const card = (status: string) => page.locator(`li[data-server="${liveServer}"][data-status="${status}"]`);
    await card('healthy').waitFor({ timeout: 20_000 });
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    // A mark on this document: a reload would lose it.
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    const toggle = (enabled: boolean) =>
      page.evaluate(
        async ({ id, enabled }) => {
          const me = (await (await fetch('/api/auth/me')).json()) as { csrf_token: string };
          const r = await fetch(`/api/servers/${id}/toggle`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
            body: JSON.stringify({ enabled }),
          });
          return r.status;
        },
        { id: liveServerId!, enabled },
      );
    expect(await toggle(false)).toBe(200);
    await card('disabled').waitFor({ timeout: 10_000 });
    expect(await toggle(true)).toBe(200);
    await card('healthy').waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await screenshot(page, 'dashboard-live');
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
    expect(await horizontalOverflow(page), 'horizontal overflow in px').toBeLessThanOrEqual(0);
    await screenshot(page, 'dashboard-narrow');
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
    await page.getByLabel('Password', { exact: true }).waitFor();
    expect(currentPath()).toBe('/login?next=%2F');
  });

  it.runIf(idpName)('explains a failed identity provider sign-in', async () => {
    await page.goto(url('/login?error=groups_overage'));
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    expect(text).toMatch(/too many groups for the identity provider to list/);
    expect(text).toMatch(/administrator must configure app roles or group filtering/);
    // Trying again, either way, is right there.
    await providerButton().waitFor();
    await page.getByLabel('Password', { exact: true }).waitFor();
    await screenshot(page, 'sign-in-error');
  });

  it.runIf(idpName)('fits a narrow screen with the provider buttons', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await providerButton().waitFor();
    expect(await horizontalOverflow(page), 'horizontal overflow in px').toBeLessThanOrEqual(0);
    await screenshot(page, 'sign-in-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it.runIf(idpName)('signs in with the identity provider', async () => {
    // Where a visitor lands: the sign-in page, asked to come back to /.
    await page.goto(url('/'));
    await page.waitForURL((u) => u.pathname === '/login');
    const button = providerButton();
    expect(await button.getAttribute('href')).toMatch(/^\/oauth2\/login\/[^?]+\?next=%2F$/);
    // A full page navigation: gateway → provider (which approves at once) →
    // gateway callback → back to next, signed in.
    await button.click();
    await page.getByText(`Signed in as ${idpUsername}`, { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'MCP servers' }).waitFor();
    expect(currentPath()).toBe('/');
    const cookies = await context.cookies(baseUrl);
    expect(cookies.find((c) => c.name === 'mcp_gateway_session')?.httpOnly).toBe(true);
    await screenshot(page, 'dashboard-idp');
  });

  it.runIf(idpName)('signs the identity provider user out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(currentPath()).toBe('/login');
  });

  it('ran without CSP violations or script errors', () => {
    expect(session.problems).toEqual([]);
  });
});
