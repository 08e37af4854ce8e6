/** The browser suite (`npm run test:browser`): needs Chromium (/usr/bin/chromium, or CHROMIUM_PATH). CI installs it. */
const base = require('./jest.config');

module.exports = { ...base, roots: ['<rootDir>/test'], testMatch: ['**/*.browser.ts'], testTimeout: 60000 };
