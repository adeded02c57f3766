/**
 * The dashboard's main flows through a real browser against a running
 * gateway that polls its servers:
 *
 *   BASE_URL=... E2E_PASSWORD=... E2E_UPSTREAM_URL=... \
 *   E2E_READER=... E2E_READER_PASSWORD=... \
 *   E2E_SCOPED=... E2E_SCOPED_PASSWORD=... E2E_SCOPED_SERVER=... npm run test:e2e
 *
 * - the administrator (admin, E2E_PASSWORD) registers a server at
 *   E2E_UPSTREAM_URL (a Streamable HTTP MCP server), sees it turn healthy
 *   without reloading, toggles it off and on, edits it and opens its
 *   connect dialog;
 * - E2E_READER (group mcp-user: read-only on every server) sees every
 *   server and no switch or edit button;
 * - E2E_SCOPED (group mcp-server-<E2E_SCOPED_SERVER>) sees that server
 *   only, among at least two registered beforehand.
 *
 * Every main page is screenshotted into e2e/screenshots/ and checked with
 * axe-core (WCAG 2.1 A/AA): no serious or critical violation.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  accessibilityProblems,
  currentPath,
  horizontalOverflow,
  openBrowser,
  requireEnv,
  screenshot,
  signIn,
  signOut,
  url,
  type Session,
} from './support';

const adminPassword = requireEnv('E2E_PASSWORD');
const upstreamUrl = requireEnv('E2E_UPSTREAM_URL');
const reader = requireEnv('E2E_READER');
const readerPassword = requireEnv('E2E_READER_PASSWORD');
const scoped = requireEnv('E2E_SCOPED');
const scopedPassword = requireEnv('E2E_SCOPED_PASSWORD');
const scopedServer = requireEnv('E2E_SCOPED_SERVER');

const path = 'e2e-clock';
const name = 'E2E Clock';

let session: Session;
let page: Page;

function card(serverPath: string, status?: string): Locator {
  return page.locator(`li[data-server="${serverPath}"]${status ? `[data-status="${status}"]` : ''}`);
}

/** Puts a mark on the document: a full reload would lose it. */
async function markDocument() {
  await page.evaluate(() => Object.assign(window, { sameDocument: true }));
}

async function stillSameDocument(): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);
}

async function expectAccessible(what: string) {
  expect(await accessibilityProblems(page), `accessibility of ${what}`).toEqual([]);
}

describe('the dashboard through the browser', () => {
  beforeAll(async () => {
    session = await openBrowser();
    page = session.page;
  });

  afterAll(async () => {
    await session?.browser.close();
  });

  it('lets the administrator register a server, which turns healthy without reloading', async () => {
    await signIn(page, 'admin', adminPassword);
    await page.getByRole('heading', { name: 'MCP servers' }).waitFor();
    await markDocument();
    await page.getByRole('link', { name: 'Register server' }).click();
    await page.getByRole('heading', { name: 'Register a server' }).waitFor();
    // Sent empty: the form says what is missing, and nothing is registered.
    await page.getByRole('button', { name: 'Register server' }).click();
    await page.getByText('Give the path agents will use, e.g. currenttime.').waitFor();
    await expectAccessible('the register form with errors');
    await screenshot(page, 'server-register');

    await page.getByRole('textbox', { name: /^Name/ }).fill(name);
    await page.getByRole('textbox', { name: /^Path/ }).fill(path);
    await page.getByRole('textbox', { name: 'Description' }).fill('Tells the time.');
    await page.getByRole('textbox', { name: /^Upstream URL/ }).fill(upstreamUrl);
    await page.getByRole('button', { name: 'Register server' }).click();

    await page.getByRole('heading', { name, level: 1 }).waitFor();
    expect(currentPath(page)).toMatch(/^\/servers\/[0-9a-f-]{36}$/);
    // The first check runs at once; its result arrives over the live stream.
    await page.locator('[data-health="healthy"]').first().waitFor({ timeout: 20_000 });
    await page.locator('[data-tool]').first().waitFor({ timeout: 10_000 });
    expect(await stillSameDocument()).toBe(true);
  });

  it('shows the server’s tools, endpoints and health', async () => {
    await page.locator('[data-tool] button').first().click();
    await page.getByText('Arguments').first().waitFor();
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    await expectAccessible('the server detail');
    await screenshot(page, 'server-detail');
  });

  it('gives client configurations to paste', async () => {
    await page.getByRole('button', { name: 'Connect' }).click();
    const dialog = page.getByRole('dialog', { name: `Connect to ${name}` });
    await dialog.waitFor();
    await dialog.getByRole('tab', { name: 'Cursor' }).click();
    const config = await dialog.locator('[data-config="cursor"]').textContent();
    expect(JSON.parse(config ?? '').mcpServers[path].url).toBe(url(`/${path}/mcp`));
    await expectAccessible('the connect dialog');
    await screenshot(page, 'connect-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('toggles the server off and on from its card', async () => {
    await page.getByRole('link', { name: '← Servers' }).click();
    await card(path, 'healthy').waitFor();
    const toggle = card(path).getByRole('switch', { name: `Enabled: ${name}` });
    // The switch's input is drawn by its track, a label for it: a user clicks the track.
    const track = page.locator(`label[for="${await toggle.getAttribute('id')}"]`);
    expect(await toggle.isChecked()).toBe(true);
    await track.click();
    await card(path, 'disabled').waitFor();
    expect(await toggle.isChecked()).toBe(false);
    await track.click();
    // Enabling checks it at once.
    await card(path, 'healthy').waitFor({ timeout: 20_000 });
    expect(await stillSameDocument()).toBe(true);
    await expectAccessible('the servers page');
    await screenshot(page, 'servers');
  });

  it('edits the server', async () => {
    await card(path).getByRole('link', { name: `Edit ${name}` }).click();
    await page.getByRole('heading', { name: `Edit ${name}` }).waitFor();
    const description = page.getByRole('textbox', { name: 'Description' });
    expect(await description.inputValue()).toBe('Tells the time.');
    await description.fill('Tells the time, edited in the browser.');
    await expectAccessible('the edit form');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    await page.getByText('Tells the time, edited in the browser.').waitFor();
    expect(await stillSameDocument()).toBe(true);
  });

  it('creates a scope and maps a group to it, then shows what the group may do', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access' }).click();
    await page.getByRole('table', { name: 'Scopes' }).waitFor();
    await expectAccessible('the scopes');
    await screenshot(page, 'access-scopes');

    await page.getByRole('button', { name: 'New scope' }).click();
    const editor = page.getByRole('dialog', { name: 'New scope' });
    await editor.getByRole('textbox', { name: /^Name/ }).fill('e2e-clock-users');
    await editor.getByLabel('Rule 1 server').fill(path);
    await editor.getByRole('checkbox', { name: 'health check' }).check();
    await expectAccessible('the scope editor');
    await screenshot(page, 'access-editor');
    await editor.getByRole('button', { name: 'Save scope' }).click();
    await editor.waitFor({ state: 'hidden' });
    await page.locator('tr[data-scope="e2e-clock-users"]').waitFor();

    await page.getByRole('tab', { name: 'Group mappings' }).click();
    await page.getByRole('button', { name: 'Map a group' }).click();
    const mapping = page.getByRole('dialog', { name: 'Map a group to scopes' });
    await mapping.getByRole('textbox', { name: /^Group/ }).fill('e2e-team');
    const scopes = mapping.getByLabel(/^Scopes/);
    await scopes.fill('e2e-clock');
    await scopes.press('ArrowDown');
    await scopes.press('Enter');
    await scopes.press('Tab');
    await mapping.getByText('e2e-clock-users').waitFor();
    await mapping.getByRole('button', { name: 'Save mapping' }).click();
    await mapping.waitFor({ state: 'hidden' });
    await page.locator('tr[data-mapping="e2e-team"]').getByText('e2e-clock-users').waitFor();

    await page.getByRole('tab', { name: 'Who can do what' }).click();
    await page.getByText('Group', { exact: true }).click();
    await page.getByLabel('Group name').first().fill('e2e-team');
    await page.getByRole('button', { name: 'Show access' }).click();
    const row = page.locator(`[data-effective="group:e2e-team"] tr[data-server="${path}"]`);
    await row.getByText('health check').waitFor();
    expect(await page.locator('[data-effective="group:e2e-team"] tr[data-server]').count()).toBe(1);
    await expectAccessible('the effective permissions');
    await screenshot(page, 'access-effective');
  });

  it('shows the users, tokens and audit pages', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('table', { name: 'Users' }).locator(`tr[data-user="${reader}"]`).waitFor();
    await expectAccessible('the users page');
    await screenshot(page, 'users');

    await nav.getByRole('link', { name: 'Tokens' }).click();
    await page.getByRole('button', { name: 'Create token' }).click();
    const create = page.getByRole('dialog', { name: 'Create a personal access token' });
    await create.getByRole('textbox', { name: /^Name/ }).fill('e2e laptop');
    await create.getByRole('button', { name: 'Create token' }).click();
    const reveal = page.getByRole('dialog', { name: 'Your new token' });
    const token = (await reveal.locator('[data-secret]').textContent()) ?? '';
    expect(token).toMatch(/^mcpgw_pat_/);
    await screenshot(page, 'token-created');
    await reveal.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await page.locator('tr[data-token="e2e laptop"]').waitFor();
    // Closed, the token is nowhere on the page any more.
    expect(await page.getByText(token).count()).toBe(0);
    // The token works against the API, as its owner.
    const status = await page.evaluate(
      async (t) => (await fetch('/api/servers', { headers: { Authorization: `Bearer ${t}` }, credentials: 'omit' })).status,
      token,
    );
    expect(status).toBe(200);
    await expectAccessible('the tokens page');

    await nav.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('table', { name: 'Audit events' }).locator('tr[data-action="scope.put"]').first().waitFor();
    await expectAccessible('the audit log');
    await screenshot(page, 'audit');
  });

  it('filters from the URL and shows a table', async () => {
    await page.goto(url(`/?q=${encodeURIComponent('edited in the browser')}`));
    await card(path).waitFor();
    expect(await page.locator('li[data-server]').count()).toBe(1);
    await page.getByText('Table', { exact: true }).click();
    await page.getByRole('table', { name: 'Servers' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.waitForURL((u) => u.search === '');
    await expectAccessible('the servers table');
    await screenshot(page, 'servers-table');
    // The choice is remembered.
    await page.reload();
    await page.getByRole('table', { name: 'Servers' }).waitFor();
    await page.getByText('Cards', { exact: true }).click();
    await card(path).waitFor();
  });

  it('fits a narrow laptop screen', async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.goto(url('/'));
    await card(path).waitFor();
    expect(await horizontalOverflow(page), 'horizontal overflow of the servers page').toBeLessThanOrEqual(0);
    await card(path).getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    expect(await horizontalOverflow(page), 'horizontal overflow of the detail').toBeLessThanOrEqual(0);
    await screenshot(page, 'server-detail-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('follows the system’s dark scheme, readably', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const [p, name] of [
      ['/', 'servers-dark'],
      ['/access', 'access-dark'],
    ] as const) {
      await page.goto(url(p));
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.evaluate(() => document.documentElement.dataset.mantineColorScheme)).toBe('dark');
      await expectAccessible(`${p} in the dark scheme`);
      await screenshot(page, name);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await signOut(page);
  });

  it('shows a read-only user every server, but no switch, edit or register button', async () => {
    await signIn(page, reader, readerPassword);
    await card(path).waitFor();
    await card(scopedServer).waitFor();
    expect(await page.getByRole('switch').count()).toBe(0);
    expect(await page.getByRole('link', { name: /^Edit / }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Register server' }).count()).toBe(0);
    await card(path).getByText('Enabled', { exact: true }).waitFor();
    await screenshot(page, 'servers-read-only');
    await signOut(page);
  });

  it('shows a user of a server’s group only that server', async () => {
    await signIn(page, scoped, scopedPassword);
    await card(scopedServer).waitFor();
    await page.getByText('1 server', { exact: true }).waitFor();
    expect(await page.locator('li[data-server]').count()).toBe(1);
    expect(await page.getByRole('switch').count()).toBe(0);
    await signOut(page);
    expect(currentPath(page)).toBe('/login');
  });

  it('ran without CSP violations or script errors', () => {
    expect(session.problems).toEqual([]);
  });
});
