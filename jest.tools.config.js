/** Suites that need tools outside npm (`npm run test:tools`): Debian's poppler-utils. CI installs them. */
const base = require('./jest.config');

module.exports = { ...base, roots: ['<rootDir>/test'], testMatch: ['**/*.tools.ts'] };
