import { defineConfig } from 'vitest/config';

// Browser end-to-end tests against a running gateway: see e2e/signin.e2e.ts.
export default defineConfig({
  test: {
    // Vitest sets BASE_URL to Vite's base path ("/") inside tests, so the
    // gateway's address reaches them under another name.
    env: { E2E_BASE_URL: process.env.BASE_URL ?? '' },
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
