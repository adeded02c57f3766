import type { CreateServerInput } from '../api/create-server';
import type { Server } from '../api/keys';
import type { UpdateServerInput } from '../api/update-server';

export type EgressType = 'none' | 'bearer' | 'headers' | 'passthrough';

export type HeaderRow = {
  name: string;
  /** Typed by the user; empty keeps the stored value (when there is one). */
  value: string;
  /** The gateway holds a value for this header already (never shown). */
  stored: boolean;
};

/** The register/edit form's fields. Secrets are write-only: they start empty. */
export type ServerFormValues = {
  path: string;
  display_name: string;
  description: string;
  upstream_url: string;
  transport: 'streamable-http' | 'sse';
  tags: string[];
  license: string;
  enabled: boolean;
  egressType: EgressType;
  token: string;
  /** The gateway holds a bearer token already (never shown). */
  tokenStored: boolean;
  headers: HeaderRow[];
};

export function initialValues(server?: Server): ServerFormValues {
  return {
    path: server?.path ?? '',
    display_name: server?.display_name ?? '',
    description: server?.description ?? '',
    upstream_url: server?.upstream_url ?? '',
    transport: server?.transport ?? 'streamable-http',
    tags: server?.tags ?? [],
    license: server?.license ?? '',
    enabled: server?.enabled ?? true,
    egressType: server?.egress?.type ?? 'none',
    token: '',
    tokenStored: server?.egress?.token_set ?? false,
    headers: server?.egress?.headers.map((h) => ({ name: h.name, value: '', stored: h.value_set })) ?? [],
  };
}

const PATH = /^[a-z0-9_-]+$/;

/** Checks the browser can make before asking the gateway, which checks everything again. */
export function validate(values: ServerFormValues): Partial<Record<keyof ServerFormValues, string>> {
  const errors: Partial<Record<keyof ServerFormValues, string>> = {};
  if (!values.path.trim()) errors.path = 'Give the path agents will use, e.g. currenttime.';
  else if (!PATH.test(values.path.trim()))
    errors.path = 'Use lowercase letters, digits, - and _ only: it is one segment of the URL.';
  if (!values.display_name.trim()) errors.display_name = 'Give the server a name people recognise.';
  if (!values.upstream_url.trim()) errors.upstream_url = 'Give the URL of the MCP server, e.g. http://10.0.0.5:8000/mcp.';
  else if (!/^https?:\/\//i.test(values.upstream_url.trim())) errors.upstream_url = 'Use an http:// or https:// URL.';
  if (values.egressType === 'bearer' && !values.token && !values.tokenStored) errors.token = 'Give the token to send.';
  if (values.egressType === 'headers') {
    if (values.headers.length === 0) errors.headers = 'Add at least one header.';
    else if (values.headers.some((h) => !h.name.trim())) errors.headers = 'Every header needs a name.';
    else if (values.headers.some((h) => !h.value && !h.stored)) errors.headers = 'Every new header needs a value.';
  }
  return errors;
}

function egressOf(values: ServerFormValues): NonNullable<CreateServerInput['egress']> {
  switch (values.egressType) {
    case 'bearer':
      return { type: 'bearer', ...(values.token ? { token: values.token } : {}) };
    case 'headers':
      return {
        type: 'headers',
        headers: values.headers.map((h) => ({ name: h.name.trim(), ...(h.value ? { value: h.value } : {}) })),
      };
    default:
      return { type: values.egressType };
  }
}

function tidyTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
}

export function toCreateRequest(values: ServerFormValues): CreateServerInput {
  return {
    path: values.path.trim(),
    display_name: values.display_name.trim(),
    description: values.description.trim(),
    upstream_url: values.upstream_url.trim(),
    transport: values.transport,
    tags: tidyTags(values.tags),
    license: values.license.trim(),
    enabled: values.enabled,
    egress: egressOf(values),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Only what the user changed, so that an edit never rewrites fields it did
 * not touch, and egress only when its type, token or headers changed.
 */
export function toUpdateChanges(values: ServerFormValues, server: Server): UpdateServerInput['changes'] {
  const next = toCreateRequest(values);
  const changes: UpdateServerInput['changes'] = {};
  if (next.path !== server.path) changes.path = next.path;
  if (next.display_name !== server.display_name) changes.display_name = next.display_name;
  if (next.description !== server.description) changes.description = next.description;
  if (next.upstream_url !== (server.upstream_url ?? '')) changes.upstream_url = next.upstream_url;
  if (next.transport !== server.transport) changes.transport = next.transport;
  if (!sameList(next.tags ?? [], server.tags)) changes.tags = next.tags;
  if (next.license !== server.license) changes.license = next.license;
  const stored = server.egress;
  const egressChanged =
    !stored ||
    values.egressType !== stored.type ||
    values.token !== '' ||
    values.headers.some((h) => h.value !== '') ||
    !sameList(
      values.headers.map((h) => h.name.trim()),
      stored.headers.map((h) => h.name),
    );
  if (egressChanged) changes.egress = next.egress;
  return changes;
}

/** The form field an API error's `field` belongs to. */
export function formField(apiField: string | undefined): keyof ServerFormValues | undefined {
  switch (apiField) {
    case 'path':
    case 'display_name':
    case 'description':
    case 'upstream_url':
    case 'transport':
    case 'tags':
    case 'license':
      return apiField;
    case 'egress':
    case 'egress.type':
      return 'egressType';
    case 'egress.token':
      return 'token';
    case 'egress.headers':
      return 'headers';
    default:
      return apiField?.startsWith('egress.headers') ? 'headers' : undefined;
  }
}
