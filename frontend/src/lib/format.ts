/** A moment in the reader's locale and time zone, or `absent` when there is none. */
export function dateTime(iso: string | undefined, absent = '—'): string {
  return iso ? new Date(iso).toLocaleString() : absent;
}
