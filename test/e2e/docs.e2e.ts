import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MethodRegistry } from '../../src/platform/api/method-registry';
import { startTestApp, TestApp } from '../support/test-app';

const DOCS_DIR = join(__dirname, '../../docs');

/** The generated documents are committed: an API change shows as a diff. `npm run docs:update` rewrites them. */
function expectCommitted(file: string, generated: unknown): void {
  const path = join(DOCS_DIR, file);
  const text = `${JSON.stringify(generated, null, 2)}\n`;
  if (process.env.UPDATE_DOCS) writeFileSync(path, text);
  expect(existsSync(path)).toBe(true);
  expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(generated);
}

describe('API documents', () => {
  let t: TestApp;
  let names: string[];

  beforeAll(async () => {
    t = await startTestApp();
    names = t.app.get(MethodRegistry).list().map((method) => method.options.rpc);
  });
  afterAll(() => t.close());

  it('serves Swagger UI at /docs with its assets, without credentials', async () => {
    const page = await t.rest('GET', '/docs', undefined, { key: null });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain("SwaggerUIBundle({ url: '/docs/json'");
    const bundle = await t.rest('GET', '/docs/assets/swagger-ui-bundle.js', undefined, { key: null });
    expect(bundle.status).toBe(200);
  });

  it('serves an OpenAPI 3.1 document of every REST route, as committed', async () => {
    const res = await t.rest('GET', '/docs/json', undefined, { key: null });
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    const operationIds = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>)
      .flatMap((path) => Object.values(path).map((operation) => operation.operationId))
      .filter((id) => id !== 'jsonrpc');
    expect(operationIds.sort()).toEqual(names);
    expect(doc.components.securitySchemes.ApiKey).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'X-Api-Key',
      description: "The user's API key (preferred).",
    });
    expect(doc.components.securitySchemes.Jwt.description).toContain('Deprecated');
    const get = doc.paths['/accounting/currencies/{id}'].get;
    expect(get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:__tz']);
    expect(get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Currency' });
    expect(Object.keys(get.responses).sort()).toEqual(['200', '400', '401', '404', '500', '503']);
    const search = doc.paths['/accounting/currencies'].get;
    expect(search.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'offset', 'order', 'id', 'q', 'name', '__tz']);
    const create = doc.paths['/accounting/currencies'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['name']);
    expect(doc.paths['/'].post.description).toContain('`accounting.currencies.get`');
    expectCommitted('openapi.json', doc);
  });

  it('answers rpc.discover with the OpenRPC document, as committed', async () => {
    const res = await t.rpc('rpc.discover', undefined, { key: null });
    const doc = res.body.result;
    expect(doc.openrpc).toBe('1.3.2');
    expect(doc.methods.map((method: { name: string }) => method.name)).toEqual(names);
    const get = doc.methods.find((method: { name: string }) => method.name === 'accounting.currencies.get');
    expect(get.params).toEqual([
      { name: 'id', required: true, schema: { type: 'integer', minimum: 1, maximum: 2147483647, example: 1, description: 'Object id' } },
      { name: '__tz', required: false, schema: expect.objectContaining({ type: 'string' }) },
    ]);
    expect(get.result).toEqual({ name: 'result', schema: { $ref: '#/components/schemas/Currency' } });
    expect(get.errors.map((error: { code: number }) => error.code)).toEqual([-32602, -32005, -32004, -32603]);
    expect(Object.keys(doc.components.schemas).sort()).toEqual([
      'ApiKey',
      'BillRun',
      'Client',
      'CreatedUser',
      'Currency',
      'ExchangeRate',
      'Invoice',
      'InvoiceLine',
      'InvoicePdf',
      'InvoiceSummary',
      'JwtToken',
      'Package',
      'RateInEffect',
      'Reseller',
      'Subscription',
      'Transaction',
      'User',
    ]);
    expect((await t.rest('GET', '/docs/openrpc', undefined, { key: null })).body).toEqual(doc);
    expectCommitted('openrpc.json', doc);
  });
});
