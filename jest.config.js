// Unit specs sit beside the code (src/**/*.spec.ts); e2e specs drive the real app (test/**/*.e2e-spec.ts).
// One embedded PostgreSQL serves the whole run (test/global-setup.ts); each test file gets its own database.

// ESM-only packages the app requires (openid-client for SSO and its dependencies). Node 20.20's own
// `require()` loads them (nest build output, `node dist/main.js`), but Jest's module loader does not: it
// transforms these to CommonJS instead. Everything else in node_modules stays untransformed.
const ESM_PACKAGES = ['openid-client', 'oauth4webapi', 'jose'];
const esmPattern = `node_modules/(${ESM_PACKAGES.join('|')})/.+\\.js$`;

const transform = {
  '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  [esmPattern]: [
    'ts-jest',
    {
      diagnostics: false,
      tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', target: 'ES2022' },
    },
  ],
};
const common = {
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  transform,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.js'],
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
