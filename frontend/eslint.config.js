// @ts-check
import { readdirSync } from 'node:fs';

import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/*
 * Imports flow one way: app → features → shared (components, config, lib,
 * testing). Shared code imports no feature and not the app; a feature imports
 * neither the app nor another feature (compose features in app/ instead).
 * ESLint's core no-restricted-imports enforces it, one block per directory.
 * A block replaces the rule's options of earlier matching blocks, so each
 * block lists every restriction that applies to its files.
 */

const features = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** Relative imports stay inside a folder and its parent; go further through "@/". */
const nearbyOnly = {
  group: ['../../*'],
  message: 'Import from another part of src/ through "@/" (for example "@/lib/api/client").',
};

/** @param {string[]} groups @param {string} message */
function restrict(groups, message) {
  return { group: groups, message };
}

/**
 * @param {Array<{ group: string[], message: string }>} patterns
 * @returns {import('eslint').Linter.RulesRecord}
 */
function noRestrictedImports(patterns) {
  return { 'no-restricted-imports': ['error', { patterns: [nearbyOnly, ...patterns] }] };
}

const noApp = restrict(['@/app', '@/app/*', '../app', '../app/*'], 'Only src/app may import from src/app.');
const noFeatures = restrict(
  ['@/features', '@/features/*', '../features', '../features/*'],
  'Shared code (components, config, lib, testing) must not import features; pass data in as props instead.',
);

export default defineConfig([
  globalIgnores(['dist', 'coverage', 'test-results', 'src/lib/api/schema.d.ts']),

  {
    files: ['**/*.{js,mjs,ts,tsx}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
  },

  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat['recommended-latest']],
    languageOptions: { globals: globals.browser },
    rules: noRestrictedImports([]),
  },

  {
    files: ['src/{components,config,lib,testing}/**/*.{ts,tsx}'],
    rules: noRestrictedImports([noApp, noFeatures]),
  },

  ...features.map((feature) => ({
    files: [`src/features/${feature}/**/*.{ts,tsx}`],
    rules: noRestrictedImports([
      noApp,
      restrict(
        features
          .filter((other) => other !== feature)
          .flatMap((other) => [`@/features/${other}`, `@/features/${other}/*`, `../${other}`, `../${other}/*`]),
        `A feature must not import another feature; compose ${feature} with others in src/app.`,
      ),
    ]),
  })),

  {
    files: ['*.{js,mjs,ts}', 'scripts/**/*.{js,mjs}', 'e2e/**/*.ts'],
    languageOptions: { globals: globals.node },
  },
]);
