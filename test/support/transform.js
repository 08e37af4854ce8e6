// Jest transformer: TypeScript sources and the ESM-only packages (NestJS 12) compiled to CommonJS.
// Jest's module runtime cannot require() ES modules on Node 20, which Node itself can.
const crypto = require('crypto');
const fs = require('fs');
const ts = require('typescript');
const compilerOptions = require('./typescript-options');

const version = fs.readFileSync(__filename, 'utf8') + JSON.stringify(compilerOptions);

module.exports = {
  getCacheKey(source, filename) {
    return crypto.createHash('sha1').update(version).update(filename).update(source).digest('hex');
  },
  process(source, filename) {
    const text = filename.endsWith('.ts')
      ? source
      : source
          .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
          .replace(/\bimport\.meta\.url\b/g, 'require("url").pathToFileURL(__filename).href');
    const { outputText } = ts.transpileModule(text, { compilerOptions, fileName: filename });
    return { code: outputText };
  },
};
