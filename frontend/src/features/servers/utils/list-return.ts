import { useLocation } from 'react-router';

import { paths } from '@/config/paths';

/** Router state carried from the servers list to the pages it links to: the list's search and filters. */
export type ListState = { list?: string };

/** The state to pass on links from a page, so that "back to the servers" returns to the same filtered list. */
export function useListState(): ListState {
  const location = useLocation();
  const state = location.state as ListState | null;
  // On the list itself, its own query; elsewhere, whatever came along.
  return location.pathname === paths.home ? { list: location.search } : { list: state?.list ?? '' };
}

/** The servers list as the user left it. */
export function useListHref(): string {
  const { list } = useListState();
  return `${paths.home}${list ?? ''}`;
}
