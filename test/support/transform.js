// Jest transformer: TypeScript sources and the ESM-only packages (NestJS 12) compiled to CommonJS.
// Jest's module runtime cannot require() ES modules on Node 20, which Node itself can.
const ts = require('typescript');
const crypto = require('crypto');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  allowJs: true,
  sourceMap: false,
  inlineSourceMap: true,
};

module.exports = {
  getCacheKey(source, filename) {
    return crypto.createHash('sha1').update(require('fs').readFileSync(__filename)).update(filename).update(source).digest('hex');
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
