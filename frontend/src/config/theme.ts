import { createTheme, type MantineProviderProps } from '@mantine/core';

/**
 * Mantine's default theme (palette, radii, fonts), so its static stylesheet holds every CSS
 * variable the components use. The gateway's CSP allows no inline <style>,
 * so the provider must not inject any: no generated variables, no global
 * classes. For the same reason the dashboard avoids the components that
 * write <style> elements (AppShell, Grid, SimpleGrid, Flex, responsive style
 * props); its layout is in src/styles/index.css. The browser test fails on
 * any CSP violation.
 */
export const theme = createTheme({});

export const mantineProviderProps = {
  theme,
  defaultColorScheme: 'auto',
  withCssVariables: false,
  withGlobalClasses: false,
} satisfies Omit<MantineProviderProps, 'children'>;
