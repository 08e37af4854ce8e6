// Compiler options for running the TypeScript sources directly (Jest, and servers spawned by the tests).
const ts = require('typescript');

module.exports = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  allowJs: true,
  inlineSourceMap: true,
};
