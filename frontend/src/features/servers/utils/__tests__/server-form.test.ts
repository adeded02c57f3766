import { describe, expect, it } from 'vitest';

import { makeServer } from '@/testing/data';

import { formField, initialValues, toCreateRequest, toUpdateChanges, validate } from '../server-form';

describe('server form values', () => {
  it('explains each missing or malformed field before asking the gateway', () => {
    expect(validate(initialValues())).toEqual({
      path: expect.stringMatching(/path agents will use/),
      display_name: expect.stringMatching(/name/),
      upstream_url: expect.stringMatching(/URL of the MCP server/),
    });
    const v = { ...initialValues(), path: 'Has Space', display_name: 'x', upstream_url: 'ftp://x' };
    expect(validate(v)).toEqual({ path: expect.stringMatching(/lowercase/), upstream_url: expect.stringMatching(/http/) });
    expect(validate({ ...v, path: 'ok', upstream_url: 'http://x', egressType: 'bearer' })).toEqual({ token: expect.any(String) });
    expect(
      validate({ ...v, path: 'ok', upstream_url: 'http://x', egressType: 'headers', headers: [{ name: 'X-Key', value: '', stored: false }] }),
    ).toEqual({ headers: 'Every new header needs a value.' });
  });

  it('starts an edit with secrets empty but known to be stored', () => {
    const v = initialValues(
      makeServer({ egress: { type: 'headers', token_set: false, headers: [{ name: 'X-Api-Key', value_set: true }] } }),
    );
    expect(v.headers).toEqual([{ name: 'X-Api-Key', value: '', stored: true }]);
    expect(validate(v)).toEqual({});
  });

  it('registers with trimmed fields and unique tags', () => {
    const body = toCreateRequest({
      ...initialValues(),
      path: ' docs ',
      display_name: ' Docs ',
      upstream_url: ' http://docs:8000/mcp ',
      tags: ['a', ' a', 'b', ''],
      egressType: 'bearer',
      token: 's3cret',
    });
    expect(body).toMatchObject({ path: 'docs', display_name: 'Docs', upstream_url: 'http://docs:8000/mcp', tags: ['a', 'b'] });
    expect(body.egress).toEqual({ type: 'bearer', token: 's3cret' });
  });

  it('sends only what changed, and keeps stored secrets by leaving them out', () => {
    const server = makeServer({ egress: { type: 'bearer', token_set: true, headers: [] } });
    const unchanged = initialValues(server);
    expect(toUpdateChanges(unchanged, server)).toEqual({});
    expect(toUpdateChanges({ ...unchanged, description: 'New words', tags: ['time'] }, server)).toEqual({
      description: 'New words',
      tags: ['time'],
    });
    expect(toUpdateChanges({ ...unchanged, token: 'rotated' }, server)).toEqual({ egress: { type: 'bearer', token: 'rotated' } });
    expect(toUpdateChanges({ ...unchanged, egressType: 'none' }, server)).toEqual({ egress: { type: 'none' } });
  });

  it('maps the gateway’s field names onto the form', () => {
    expect(formField('upstream_url')).toBe('upstream_url');
    expect(formField('egress.token')).toBe('token');
    expect(formField('egress.headers[0].name')).toBe('headers');
    expect(formField('egress.type')).toBe('egressType');
    expect(formField(undefined)).toBeUndefined();
    expect(formField('something_else')).toBeUndefined();
  });
});
