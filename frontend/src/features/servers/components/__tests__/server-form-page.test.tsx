import { screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';

import { makeServer } from '@/testing/data';
import { apiError, json, mockFetch } from '@/testing/mock-fetch';
import { currentLocation, renderWithProviders } from '@/testing/render';

import { EditServerPage, NewServerPage } from '../server-form-page';

const server = makeServer({
  id: 'id-time',
  egress: { type: 'bearer', token_set: true, headers: [] },
});

function renderEdit() {
  return renderWithProviders(
    <Routes>
      <Route path="/servers/:id/edit" element={<EditServerPage id="id-time" />} />
      <Route path="/servers/:id" element={<p>detail page</p>} />
    </Routes>,
    { route: '/servers/id-time/edit' },
  );
}

describe('registering a server', () => {
  it('says what is missing before sending anything', async () => {
    const api = mockFetch({ 'GET /api/servers': () => json({ items: [] }) });
    const { user } = renderWithProviders(<NewServerPage />);
    await user.click(screen.getByRole('button', { name: 'Register server' }));
    expect(await screen.findByText(/Give the path agents will use/)).toBeInTheDocument();
    expect(screen.getByText(/Give the server a name/)).toBeInTheDocument();
    expect(screen.getByText(/Give the URL of the MCP server/)).toBeInTheDocument();
    expect(api.requestsTo('POST /api/servers')).toHaveLength(0);
  });

  it('sends the server, then shows it; an API error lands on its field', async () => {
    let attempt = 0;
    const api = mockFetch({
      'GET /api/servers': () => json({ items: [] }),
      'POST /api/servers': () =>
        attempt++ === 0
          ? apiError(409, 'conflict', 'path "docs" is taken', { field: 'path' })
          : json(makeServer({ id: 'id-docs', path: 'docs', display_name: 'Docs' }), 201),
    });
    const { user } = renderWithProviders(
      <Routes>
        <Route path="/" element={<NewServerPage />} />
        <Route path="/servers/:id" element={<p>detail page</p>} />
      </Routes>,
    );
    await user.type(screen.getByRole('textbox', { name: /^Name/ }), 'Docs');
    await user.type(screen.getByRole('textbox', { name: /^Path/ }), 'docs');
    await user.type(screen.getByRole('textbox', { name: /^Upstream URL/ }), 'http://docs:8000/mcp');
    await user.click(screen.getByRole('button', { name: 'Register server' }));
    expect(await screen.findByText('path "docs" is taken')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: /^Path/ })).toHaveAttribute('aria-invalid', 'true');

    await user.click(screen.getByRole('button', { name: 'Register server' }));
    expect(await screen.findByText('detail page')).toBeInTheDocument();
    expect(currentLocation()).toBe('/servers/id-docs');
    const sent = await api.requestsTo('POST /api/servers')[1]!.json();
    expect(sent).toMatchObject({ path: 'docs', display_name: 'Docs', upstream_url: 'http://docs:8000/mcp', enabled: true });
    expect(sent.egress).toEqual({ type: 'none' });
  });
});

describe('editing a server', () => {
  it('never shows a stored secret and sends only the changes, at the version edited', async () => {
    const api = mockFetch({
      'GET /api/servers': () => json({ items: [server] }),
      'GET /api/servers/id-time': () => json(server),
      'PATCH /api/servers/id-time': () => json({ ...server, description: 'New', version: 4 }),
    });
    const { user } = renderEdit();
    const description = await screen.findByRole('textbox', { name: 'Description' });
    expect(screen.getByLabelText('Token')).toHaveValue('');
    expect(screen.getByText(/A token is stored; it is never shown/)).toBeInTheDocument();
    await user.clear(description);
    await user.type(description, 'New');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('detail page')).toBeInTheDocument();
    const [patch] = api.requestsTo('PATCH /api/servers/id-time');
    expect(patch!.headers.get('If-Match')).toBe('3');
    expect(await patch!.json()).toEqual({ description: 'New' });
  });

  it('explains a conflict with someone else’s change and reloads the server', async () => {
    let reads = 0;
    const api = mockFetch({
      'GET /api/servers': () => json({ items: [server] }),
      'GET /api/servers/id-time': () => json(reads++ === 0 ? server : { ...server, display_name: 'Renamed', version: 5 }),
      'PATCH /api/servers/id-time': () => apiError(412, 'precondition_failed', 'the server changed'),
    });
    const { user } = renderEdit();
    await user.type(await screen.findByRole('textbox', { name: 'License' }), '-2');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Someone else changed this server')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Reload the server' }));
    await waitFor(() => expect(screen.getByRole('textbox', { name: /^Name/ })).toHaveValue('Renamed'));
    expect(screen.queryByText('Someone else changed this server')).not.toBeInTheDocument();
    // The next save is based on the version just loaded.
    await user.type(screen.getByRole('textbox', { name: 'License' }), '-3');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(api.requestsTo('PATCH /api/servers/id-time')).toHaveLength(2));
    expect(api.requestsTo('PATCH /api/servers/id-time')[1]!.headers.get('If-Match')).toBe('5');
  });
});
