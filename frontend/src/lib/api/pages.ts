/** A page of a cursor-paged list: its items, and the cursor of the next page (absent on the last). */
type Page<T> = { items: T[]; next_cursor?: string };

/** Every item of a cursor-paged list, following next_cursor to the end. */
export async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.next_cursor || undefined;
  } while (cursor);
  return items;
}

/** The largest page the gateway's list endpoints serve. */
export const MAX_PAGE_SIZE = 500;
