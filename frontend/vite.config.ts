/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

// Everything the Go gateway serves itself; `npm run dev` forwards it there.
// MCPGW_URL must be the gateway's PUBLIC_URL: browser writes are accepted only
// from that Origin, so the proxy presents the page's requests as coming from it.
const backend = process.env.MCPGW_URL ?? 'http://localhost:7860';
const proxied = ['/api', '/oauth2', '/healthz', '/readyz'];
const proxy: ProxyOptions = {
  target: backend,
  configure: (server) => {
    server.on('proxyReq', (req) => {
      if (req.getHeader('origin')) req.setHeader('origin', new URL(backend).origin);
    });
  },
};

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    proxy: Object.fromEntries(proxied.map((prefix) => [prefix, proxy])),
  },
  build: {
    // Keep everything in files: the gateway's CSP forbids inline scripts,
    // styles and data: fonts.
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        // Libraries change less often than the dashboard: their own chunks
        // stay cached across releases of the dashboard's code.
        codeSplitting: {
          groups: [
            { name: 'mantine', test: /node_modules[\\/]@mantine[\\/]/ },
            { name: 'react', test: /node_modules[\\/](react|react-dom|react-router|scheduler|@tanstack)[\\/]/ },
          ],
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['./src/testing/setup-tests.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
