// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { rule: moduleBoundaries } = require('./scripts/eslint/module-boundaries.js');

export default tseslint.config(
  { ignores: ['dist/**', 'console/src/api/schema.d.ts', 'node_modules/**', 'coverage/**', '.data/**', 'eslint.config.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Configuration is read once, through AppConfig; nothing else may reach into the environment.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through AppConfig (src/config).' }],
    },
  },
  {
    // A module owns its tables: no module imports another's entities, repositories or controllers.
    files: ['src/**/*.ts'],
    plugins: { autopack: { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: { 'autopack/module-boundaries': 'error' },
  },
  {
    files: ['src/config/load-config.ts', 'src/main.ts', 'src/cli/**/*.ts', 'src/database/data-source.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
