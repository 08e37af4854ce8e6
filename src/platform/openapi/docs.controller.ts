import { Controller, Get, Header } from '@nestjs/common';
import { ApiMethod, Args } from '../api/api-method.decorator';
import { NoParams } from '../api/common-params';
import { MethodRegistry } from '../api/method-registry';
import { JsonSchema } from '../api/fields';
import { Public } from '../auth/public.decorator';
import { buildOpenApi } from './openapi';
import { buildOpenRpc } from './openrpc';
import { API_TITLE } from './schemas';

export const SWAGGER_ASSETS_PATH = '/docs/assets';

const SWAGGER_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${API_TITLE}</title>
  <link rel="stylesheet" href="${SWAGGER_ASSETS_PATH}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${SWAGGER_ASSETS_PATH}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/docs/json', dom_id: '#swagger-ui', persistAuthorization: true, deepLinking: true });
  </script>
</body>
</html>
`;

/** Swagger UI, the OpenAPI document and the OpenRPC one (`rpc.discover`), all generated from the declared methods. */
@Controller()
export class DocsController {
  private openApi?: JsonSchema;
  private openRpc?: JsonSchema;

  constructor(private readonly registry: MethodRegistry) {}

  @Public()
  @Get(['/docs', '/api/docs'])
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return SWAGGER_PAGE;
  }

  @Public()
  @Get(['/docs/json', '/api/docs/json'])
  openApiDocument(): JsonSchema {
    this.openApi ??= buildOpenApi(this.registry.list());
    return this.openApi;
  }

  @ApiMethod({
    rpc: 'rpc.discover',
    http: 'GET /docs/openrpc',
    summary: 'The OpenRPC document of every JSON-RPC method',
    result: { type: 'object', additionalProperties: true, description: 'An OpenRPC 1.3 document' },
    public: true,
  })
  discover(@Args() _params: NoParams): JsonSchema {
    this.openRpc ??= buildOpenRpc(this.registry.list());
    return this.openRpc;
  }
}
