import { dirname } from 'node:path';
import serveStatic from 'serve-static';
import type { NodeMiddleware } from '../http/body-parsing';

/** The files of swagger-ui-dist, served at SWAGGER_ASSETS_PATH on either adapter; anything else falls through to the router (404). */
export function swaggerAssets(): NodeMiddleware {
  return serveStatic(dirname(require.resolve('swagger-ui-dist/package.json')), { index: false });
}
