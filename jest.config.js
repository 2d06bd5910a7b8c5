// Jest in native ESM mode: ts-jest compiles the TypeScript sources, and the
// ts-jest-resolver maps the `.js` suffixes of NodeNext imports back to `.ts`.
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  resolver: 'ts-jest-resolver',
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/__tests__/support/skip-reporter.cjs'],
};
