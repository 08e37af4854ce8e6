module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  transform: { '\\.[jt]s$': '<rootDir>/test/support/transform.js' },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|ansis|uint8array-extras|file-type|token-types|strtok3|@tokenizer|@borewit)/)'],
};
