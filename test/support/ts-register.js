// `node -r ./test/support/ts-register.js src/main.ts`: runs the sources without a build, for tests that spawn the server.
const fs = require('fs');
const ts = require('typescript');
const compilerOptions = require('./typescript-options');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
