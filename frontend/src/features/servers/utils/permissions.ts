import type { Permission, Server } from '../api/keys';

/** Whether the signed-in user may do `permission` on `server` (the API lists what they may). */
export function can(server: Pick<Server, 'permissions'>, permission: Permission): boolean {
  return server.permissions.includes(permission);
}
