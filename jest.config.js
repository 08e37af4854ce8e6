/** Unit specs sit beside the code (*.spec.ts); end-to-end suites over HTTP live in test/ (*.e2e.ts). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  transform: { '\\.[jt]s$': '<rootDir>/test/support/transform.js' },
  // NestJS 12 (and @open-rpc/spec-types) ship ES modules, which Jest's own module runtime cannot require() on Node 20: compile them too.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|ansis|uint8array-extras|file-type|token-types|strtok3|@tokenizer|@borewit|@open-rpc/spec|@open-rpc/spec-types)/)'],
  testTimeout: 30000,
};
