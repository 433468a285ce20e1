/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
    ],
  },
  // Most tests wait on loopback I/O, not the CPU: one worker per core (Jest's default leaves one core idle).
  maxWorkers: '100%',
  // Tests never send anything off this machine: traffic to a non-loopback address is refused and fails the test.
  setupFilesAfterEnv: ['<rootDir>/test/support/loopback-guard.ts'],
  reporters: ['default', '<rootDir>/test/support/skipped-reporter.js'],
  testTimeout: 30000,
};
