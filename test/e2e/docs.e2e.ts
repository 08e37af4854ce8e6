import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { validateOpenRPCDocument } from '@open-rpc/schema-utils-js';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { MethodRegistry } from '../../src/platform/api/method-registry';
import { startTestApp, TestApp } from '../support/test-app';

const ROOT = join(__dirname, '../..');
const DOCS_DIR = join(ROOT, 'docs');

/** Runs a linter of node_modules/.bin from the project root (where its config is found) and answers its stdout. */
async function lint(tool: string, args: string[]): Promise<string> {
  const run = promisify(execFile);
  try {
    return (await run(join(ROOT, 'node_modules/.bin', tool), args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    // A non-zero exit (problems found) still printed its report.
    return (error as { stdout: string }).stdout;
  }
}

const VERBS = ['get', 'post', 'patch', 'delete'];

/** The operations of a path item (its other members, e.g. `description`, left out). */
const operationsOf = <T>(item: Record<string, T>): T[] => Object.entries(item).filter(([key]) => VERBS.includes(key)).map(([, operation]) => operation);

/** A schema of the OpenRPC document, its `#/components/...` references resolved against it. */
const withBase = (schema: object) => JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openrpc#/components/'));

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
      .flatMap((path) => operationsOf(path).map((operation) => operation.operationId))
      .filter((id) => id !== 'jsonrpc' && !id.startsWith('health.'));
    expect(operationIds.sort()).toEqual(names);
    expect(doc.components.securitySchemes.ApiKey).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'X-Api-Key',
      description: "The user's API key (preferred).",
    });
    expect(doc.components.securitySchemes.Jwt.description).toContain('Deprecated');
    type Parameter = { name: string; in: string } | { $ref: string };
    const where = (parameter: Parameter): string => {
      const resolved = '$ref' in parameter ? doc.components.parameters[parameter.$ref.split('/').pop()!] : parameter;
      return `${resolved.in}:${resolved.name}`;
    };
    const get = doc.paths['/accounting/currencies/{id}'].get;
    expect(get.parameters.map(where)).toEqual(['path:id', 'query:__tz', 'query:__decimals']);
    expect(get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Currency' });
    expect(Object.keys(get.responses).sort()).toEqual(['200', '304', '400', '401', '404', '500', '503']);
    const search = doc.paths['/accounting/currencies'].get;
    expect(search.parameters.map(where)).toEqual(
      ['limit', 'offset', 'order', 'id', 'q', 'name'].map((name) => `query:${name}`).concat(['query:__tz', 'query:__decimals']),
    );
    expect(Object.keys(search.responses['200'].headers)).toEqual(['X-Request-Id', 'ETag', 'Deprecation', 'X-Has-More', 'Link']);
    const create = doc.paths['/accounting/currencies'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['name']);
    expect(create.parameters.map(where)).toEqual([
      'query:__tz',
      'query:__decimals',
      'header:Idempotency-Key',
    ]);
    expect(doc.paths['/'].post.description).toContain('`accounting.currencies.get`');
    expect(doc.paths['/clients/{id}'].description).toBe(
      'Other verbs answer 405 with `Allow: GET, PATCH, DELETE` and `data` `{"code": "method-not-allowed", "message": "PUT is not allowed on /clients/{id}", "allow": ["GET","PATCH","DELETE"]}`.',
    );
    expectCommitted('openapi.json', doc);
  });

  it('answers rpc.discover with the OpenRPC document, as committed', async () => {
    const res = await t.rpc('rpc.discover', undefined, { key: null });
    const doc = res.body.result;
    expect(doc.openrpc).toBe('1.3.2');
    expect(doc.methods.map((method: { name: string }) => method.name)).toEqual(names);
    const get = doc.methods.find((method: { name: string }) => method.name === 'accounting.currencies.get');
    expect(get.params).toEqual([
      {
        name: 'id',
        description: 'Object id',
        required: true,
        // As a member of params an integer may also come as its text ("42"), as the server reads it.
        schema: {
          anyOf: [
            { type: 'integer', minimum: 1, maximum: 2147483647 },
            { type: 'string', pattern: '^\\s*-?\\d{1,16}\\s*$', description: 'The integer as text' },
          ],
          example: 1,
          description: 'Object id',
        },
      },
      { name: '__tz', description: expect.stringContaining('Time zone'), required: false, schema: expect.objectContaining({ type: 'string' }) },
      { name: '__decimals', description: expect.stringContaining('decimals'), required: false, schema: expect.objectContaining({ enum: ['number', 'string'] }) },
    ]);
    expect(get.examples).toEqual([
      {
        name: 'accounting.currencies.get example',
        params: [{ name: 'id', value: 1 }],
        result: { name: 'result', value: expect.objectContaining({ name: 'USD' }) },
      },
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

  // Third-party tools accept the committed documents (the tests above prove they are what the server serves).
  describe('as third-party tools read them', () => {
    const openApi = () => JSON.parse(readFileSync(join(DOCS_DIR, 'openapi.json'), 'utf8'));
    const openRpc = () => JSON.parse(readFileSync(join(DOCS_DIR, 'openrpc.json'), 'utf8'));

    it('passes redocly lint (recommended rules, redocly.yaml) without a single problem', async () => {
      const report = JSON.parse(await lint('redocly', ['lint', 'docs/openapi.json', '--format', 'json']));
      expect(report.problems).toEqual([]);
      expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
    }, 60000);

    it('passes spectral lint (spectral:oas, .spectral.yaml) without a single problem', async () => {
      expect(JSON.parse(await lint('spectral', ['lint', 'docs/openapi.json', '--format', 'json', '--quiet']))).toEqual([]);
    }, 60000);

    it('gives openapi-typescript typed JSON-RPC params, money as string | number, and no empty object types', async () => {
      const types = await lint('openapi-typescript', ['docs/openapi.json']);
      const call = types.slice(types.indexOf('"JsonRpcRequest.clients.update": {'));
      const update = call.slice(0, call.indexOf('\n        };'));
      expect(update).toMatch(/method: "clients\.update";\s+params: \{/);
      expect(update).toMatch(/\n\s+id: number \| string;/);
      expect(update).toMatch(/\n\s+credit\?: string \| number;/);
      expect(types).toMatch(/credit\?: string \| number;/);
      expect(types.match(/Record<string, never>/g)).toEqual(['Record<string, never>', 'Record<string, never>']); // webhooks and $defs: none
    }, 60000);

    it('passes the OpenRPC meta-schema (@open-rpc/schema-utils-js)', () => {
      expect(validateOpenRPCDocument(openRpc())).toBe(true);
    });

    it('gives every JSON-RPC method an example whose params and result are valid against its schemas', () => {
      const doc = openRpc();
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema({ components: doc.components }, 'openrpc');
      const problems: string[] = [];
      for (const method of doc.methods) {
        expect(method.examples).toHaveLength(1);
        const [example] = method.examples;
        const params = Object.fromEntries(example.params.map((param: { name: string; value: unknown }) => [param.name, param.value]));
        for (const param of method.params) {
          if (param.required && !(param.name in params)) problems.push(`${method.name}: example lacks ${param.name}`);
          if (param.name in params && !ajv.validate(withBase(param.schema), params[param.name])) {
            problems.push(`${method.name} ${param.name}: ${ajv.errorsText()}`);
          }
        }
        if (!ajv.validate(withBase(method.result.schema), example.result.value)) problems.push(`${method.name} result: ${ajv.errorsText()}`);
      }
      expect(problems).toEqual([]);
    });

    it('marks the JWT methods deprecated in both documents, and nothing else', () => {
      const rpc = openRpc().methods.filter((method: { deprecated?: boolean }) => method.deprecated).map((method: { name: string }) => method.name);
      expect(rpc).toEqual(['iam.auth.jwt.authenticate', 'iam.auth.jwt.refresh']);
      const rest = Object.values(openApi().paths as Record<string, Record<string, { operationId: string; deprecated?: boolean }>>)
        .flatMap((path) => operationsOf(path))
        .filter((operation) => operation.deprecated)
        .map((operation) => operation.operationId);
      expect(rest.sort()).toEqual(['iam.auth.jwt.authenticate', 'iam.auth.jwt.refresh']);
    });

    it('describes every parameter, and gives each error status its own example', () => {
      const doc = openApi();
      const undescribed: string[] = [];
      const examples = new Map<string, string>();
      for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, Record<string, any>>>)) {
        for (const [verb, operation] of Object.entries(operations).filter(([key]) => VERBS.includes(key))) {
          for (const parameter of operation.parameters ?? []) {
            const resolved = parameter.$ref ? doc.components.parameters[parameter.$ref.split('/').pop()] : parameter;
            if (!resolved.description) undescribed.push(`${verb} ${path} ${resolved.name}`);
          }
          for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
            if (!status.startsWith('4') && !status.startsWith('5')) continue;
            const resolved = response.$ref ? doc.components.responses[response.$ref.split('/').pop()] : response;
            const example = JSON.stringify(resolved.content['application/json'].example);
            expect(examples.get(example) ?? status).toBe(status);
            examples.set(example, status);
          }
        }
      }
      expect(undescribed).toEqual([]);
      expect(doc.components.responses.validation.content['application/json'].example).toEqual({
        error: { message: 'Invalid params', data: { name: 'must not be empty' } },
      });
    });

    it('groups the tags by module, each described', () => {
      const doc = openApi();
      const used = new Set(
        Object.values(doc.paths as Record<string, Record<string, { tags: string[] }>>).flatMap((path) => operationsOf(path).flatMap((operation) => operation.tags)),
      );
      expect(doc.tags.map((tag: { name: string }) => tag.name).sort()).toEqual([...used].sort());
      for (const tag of doc.tags) expect(tag.description.length).toBeGreaterThan(20);
      expect(doc['x-tagGroups'].map((group: { name: string }) => group.name)).toEqual(['Accounting', 'Billing', 'Clients', 'IAM', 'Platform']);
      expect(doc['x-tagGroups'].flatMap((group: { tags: string[] }) => group.tags).sort()).toEqual([...used].sort());
    });

    it('documents money as exact decimals: numbers or decimal strings in, numbers (or strings with __decimals=string) out', () => {
      const doc = openApi();
      const create = doc.paths['/clients'].post.requestBody.content['application/json'].schema.properties;
      expect(create.credit).toMatchObject({ type: ['string', 'number'], pattern: '^\\s*[+-]?(\\d+(\\.\\d*)?|\\.\\d+)\\s*$', minimum: 0 });
      expect(doc.components.schemas.Client.properties.balance).toMatchObject({ type: ['number', 'string'], pattern: '^-?\\d+(\\.\\d+)?$' });
      const filter = doc.paths['/clients'].get.parameters.find((parameter: { name?: string }) => parameter.name === 'c_dt_from');
      expect(filter.schema.format).toBeUndefined();
      expect(filter.schema.example).toBeUndefined();
      expect(new RegExp(filter.schema.pattern).test('2026-11-25 09:30:00')).toBe(true);
      expect(new RegExp(filter.schema.pattern).test('2026-01-01')).toBe(true);
      expect(new RegExp(filter.schema.pattern).test('2026-11-25T09:30:00-05:00')).toBe(true);
      expect(new RegExp(filter.schema.pattern).test('25/11/2026')).toBe(false);
      expect(doc.components.schemas.Client.properties.c_dt).toMatchObject({ type: 'string', format: 'date-time' });
    });
  });
});
