import type { Permission, Rule } from '../api/keys';

export const allPermissions: Permission[] = ['read', 'execute', 'toggle', 'edit', 'register', 'health_check'];

export const permissionLabel: Record<Permission, string> = {
  read: 'read',
  execute: 'execute',
  toggle: 'toggle',
  edit: 'edit',
  register: 'register',
  health_check: 'health check',
};

/** Suggestions for a rule's methods (any other can be typed). */
export const commonMethods = [
  '*',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
];

/** A rule as the editor holds it: every list present. */
export type RuleRow = { server: string; permissions: Permission[]; methods: string[]; tools: string[]; ui: boolean };

/** The API's rule as a row: absent permissions mean read and execute; absent methods or tools mean all. */
export function toRow(rule: Rule): RuleRow {
  return {
    server: rule.server,
    permissions: rule.permissions ?? ['read', 'execute'],
    methods: rule.methods ?? ['*'],
    tools: rule.tools ?? ['*'],
    ui: rule.ui ?? false,
  };
}

function tidy(list: string[]): string[] {
  const out = [...new Set(list.map((s) => s.trim()).filter(Boolean))];
  return out.includes('*') ? ['*'] : out;
}

/** A row as the API takes it: permissions in their canonical order, "*" alone when present. */
export function toRule(row: RuleRow): Rule {
  return {
    server: row.server.trim(),
    permissions: allPermissions.filter((p) => row.permissions.includes(p)),
    methods: tidy(row.methods),
    tools: tidy(row.tools),
    ...(row.ui ? { ui: true } : {}),
  };
}

export function newRow(): RuleRow {
  return { server: '', permissions: ['read', 'execute'], methods: ['*'], tools: ['*'], ui: false };
}

/** What is wrong with the rows, per row index; the gateway checks again. */
export function rowProblems(rows: RuleRow[]): Map<number, string> {
  const problems = new Map<number, string>();
  rows.forEach((r, i) => {
    if (!r.server.trim()) problems.set(i, 'Name a server (its path or name), or * for every server.');
    else if (r.permissions.length === 0) problems.set(i, 'Grant at least one permission.');
    else if (r.permissions.includes('execute') && tidy(r.methods).length === 0)
      problems.set(i, 'List the methods execute allows, or * for all.');
  });
  return problems;
}

/** A scope name the API accepts, roughly: no spaces. */
export function scopeNameProblem(name: string, taken: string[]): string | undefined {
  const n = name.trim();
  if (!n) return 'Give the scope a name, e.g. mcp-servers-restricted/execute.';
  if (/\s/.test(n)) return 'A scope name has no spaces.';
  if (taken.includes(n)) return 'A scope with this name exists: edit it instead.';
  return undefined;
}
