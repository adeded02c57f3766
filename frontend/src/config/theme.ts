import { createTheme, Modal, Notification, type MantineProviderProps } from '@mantine/core';

/**
 * Mantine's default theme (palette, radii, fonts), so its static stylesheet
 * holds every CSS variable the components use; src/styles/index.css adjusts
 * some for contrast. The gateway's CSP allows no inline <style>, so nothing
 * may inject one:
 * - the provider generates no variables and no global classes;
 * - modals do not lock page scroll (react-remove-scroll writes a <style>);
 * - the dashboard avoids the components that write <style> elements
 *   (AppShell, Grid, SimpleGrid, Flex, responsive style props); its layout
 *   is in src/styles/index.css.
 * The browser tests fail on any CSP violation.
 */
export const theme = createTheme({
  components: {
    Modal: Modal.extend({ defaultProps: { lockScroll: false, closeButtonProps: { 'aria-label': 'Close' } } }),
    Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss' } } }),
  },
});

export const mantineProviderProps = {
  theme,
  defaultColorScheme: 'auto',
  withCssVariables: false,
  withGlobalClasses: false,
} satisfies Omit<MantineProviderProps, 'children'>;
