import type { User } from '../api/keys';

export type SourceFilter = 'all' | 'local' | 'idp';

/** Users matching the search (username, name, e-mail, group) and the source, sorted by username. */
export function filterUsers(users: readonly User[], q: string, source: SourceFilter): User[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  return users
    .filter((u) => source === 'all' || (source === 'local') === (u.auth_source === 'local'))
    .filter((u) => {
      const hay = [u.username, u.display_name, u.email, ...u.groups].join('\n').toLowerCase();
      return words.every((w) => hay.includes(w));
    })
    .sort((a, b) => a.username.localeCompare(b.username));
}

/** A password the gateway will accept; the gateway checks again. */
export function passwordProblem(password: string, again: string): string | undefined {
  if (password.length < 8) return 'Use at least 8 characters.';
  if (password !== again) return 'The two passwords differ.';
  return undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export type UserEdit = { display_name: string; email: string; groups: string[]; disabled: boolean };

/** Only the fields that changed: changing groups ends the user's sessions, so never send them needlessly. */
export function userChanges(user: User, edit: UserEdit): Partial<UserEdit> {
  const changes: Partial<UserEdit> = {};
  if (edit.display_name.trim() !== user.display_name) changes.display_name = edit.display_name.trim();
  if (edit.email.trim() !== user.email) changes.email = edit.email.trim();
  const groups = [...new Set(edit.groups.map((g) => g.trim()).filter(Boolean))];
  if (!sameSet(groups, user.groups)) changes.groups = groups;
  if (edit.disabled !== user.disabled) changes.disabled = edit.disabled;
  return changes;
}
