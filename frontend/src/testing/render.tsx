import { Accordion, MantineProvider, mergeThemeOverrides, Modal } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { MemoryRouter, useLocation } from 'react-router';

import { mantineProviderProps } from '@/config/theme';
import { queryConfig } from '@/lib/react-query';

/** A fresh cache per test, without retries so failures show at once. */
export function createTestQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { ...queryConfig.queries, retry: false },
      mutations: { ...queryConfig.mutations, retry: false },
    },
  });
}

function LocationProbe() {
  const location = useLocation();
  return (
    <output data-testid="location" hidden>
      {location.pathname + location.search + location.hash}
    </output>
  );
}

/** The router's current path, search and hash. */
export function currentLocation(): string {
  return screen.getByTestId('location').textContent ?? '';
}

/** The app's theme without animations: what a transition hides, tests would not see at once. */
const testTheme = mergeThemeOverrides(mantineProviderProps.theme, {
  components: {
    Accordion: Accordion.extend({ defaultProps: { transitionDuration: 0 } }),
    Modal: Modal.extend({ defaultProps: { transitionProps: { duration: 0 } } }),
  },
});

/** Renders `ui` inside the theme, a fresh query cache and an in-memory router at `route`. */
export function renderWithProviders(ui: ReactElement, { route = '/' }: { route?: string } = {}) {
  const queryClient = createTestQueryClient();
  const user = userEvent.setup();
  const result = render(
    <MantineProvider {...mantineProviderProps} theme={testTheme}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[route]}>
          {ui}
          <LocationProbe />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { ...result, queryClient, user };
}

type User = ReturnType<typeof userEvent.setup>;

/**
 * Opens the menu behind the button named `button` and picks `item`. The
 * menu opens with a transition, and jsdom sometimes reports its items
 * hidden for a moment after: the menu is opened again if need be.
 */
export async function chooseMenuItem(user: User, button: string, item: string) {
  for (let attempt = 0; attempt < 3; attempt++) {
    await user.click(await screen.findByRole('button', { name: button }));
    const found = await screen.findByRole('menuitem', { name: item }, { timeout: 1500 }).catch(() => undefined);
    if (found) {
      await user.click(found);
      return;
    }
    await user.keyboard('{Escape}');
  }
  throw new Error(`the menu of "${button}" never showed "${item}"`);
}
