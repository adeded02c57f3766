import type { Server } from '../api/keys';

export type HealthStatus = Server['health']['status'];

export const healthLabel: Record<HealthStatus, string> = {
  healthy: 'Healthy',
  unhealthy: 'Unhealthy',
  'auth-required': 'Needs credentials',
  disabled: 'Disabled',
  unknown: 'Not checked yet',
};

/** Mantine colours: green for good, red for down, orange for credentials, grey otherwise. */
export const healthColor: Record<HealthStatus, string> = {
  healthy: 'green',
  unhealthy: 'red',
  'auth-required': 'orange',
  disabled: 'gray',
  unknown: 'gray',
};

/** "just now", "5 min ago", "3 h ago", "2 days ago": how long ago `iso` was, relative to `now`. */
export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return `${days} ${days === 1 ? 'day' : 'days'} ago`;
}

/** "1 tool", "3 tools". */
export function toolCount(n: number): string {
  return `${n} ${n === 1 ? 'tool' : 'tools'}`;
}
