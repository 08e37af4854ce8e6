import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * Every answer an e2e suite gets through test-app.ts is checked against the committed documents
 * (docs/openapi.json, and docs/openrpc.json for each JSON-RPC method's result), and so is every
 * request the server accepted: the documents can be neither stricter nor looser than the server.
 *
 * - A REST answer: its status must be documented for the operation (path and verb), its body
 *   valid against that response's schema, its documented headers valid (and X-Request-Id present),
 *   and no API header (ETag, Link, ...) sent where the document does not say so.
 * - A REST request answered 2xx: its path, query and header parameters and its body must be valid
 *   against the operation's, with no undocumented query parameter.
 * - A request answered 400 is not checked: many of the server's rules (decimal places of a JSON
 *   number, one datetime after another, an order column of the allowed set, an impossible date)
 *   are not expressible in JSON Schema, so a request the server refuses may well look valid.
 * - JSON-RPC: the answer (or batch) against the endpoint's response schema; each successful call's
 *   result against its method's result schema (OpenRPC), and the call itself (`params` included)
 *   against the method's call schema (`JsonRpcRequest.<method>` in the OpenAPI document).
 */

const DOCS = join(__dirname, '../../docs');

/** Headers the API itself sends: present only where the document says so. */
const API_HEADERS = ['x-request-id', 'etag', 'retry-after', 'deprecation', 'x-has-more', 'link', 'idempotent-replayed'];

/** Routes that serve the documents themselves (Swagger UI, its assets, the OpenAPI JSON): not described. */
const UNDESCRIBED = /^\/docs(\/json|\/assets\/.*)?$/i;

type Json = Record<string, any>;

export interface Exchange {
  verb: string;
  /** As sent: path and query string. */
  url: string;
  headers: Record<string, string>;
  /** As sent: text (JSON or not), bytes, or nothing. */
  body?: string | Buffer;
  status: number;
  replyHeaders: Record<string, string>;
  /** Parsed by supertest when JSON. */
  replyBody: unknown;
  replyText: string;
}

interface Route {
  template: string;
  pattern: RegExp;
  names: string[];
}

class Contract {
  private readonly openApi: Json;
  private readonly openRpc: Json;
  private readonly ajv: Ajv2020;
  /** Coerces query and path text (`"42"` → 42), splits nothing: lists are split before. */
  private readonly coercing: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly routes: Route[];
  private readonly rpcMethods: Map<string, number>;

  constructor() {
    this.openApi = JSON.parse(readFileSync(join(DOCS, 'openapi.json'), 'utf8'));
    this.openRpc = JSON.parse(readFileSync(join(DOCS, 'openrpc.json'), 'utf8'));
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    this.coercing = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, coerceTypes: 'array' });
    for (const ajv of [this.ajv, this.coercing]) {
      addFormats(ajv);
      ajv.addSchema(this.openApi, 'openapi');
      ajv.addSchema(this.openRpc, 'openrpc');
    }
    // Literal segments before parameters: /accounting/currencies/rates is not /accounting/currencies/{id}.
    this.routes = Object.keys(this.openApi.paths)
      .map((template) => ({
        template,
        names: [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]),
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`, 'i'),
      }))
      .sort((a, b) => a.names.length - b.names.length);
    this.rpcMethods = new Map((this.openRpc.methods as Json[]).map((method, index) => [method.name, index]));
  }

  /** The problems of one exchange; none when request and answer match the documents. */
  check(exchange: Exchange): string[] {
    const url = new URL(exchange.url, 'http://test');
    let path = decodeURI(url.pathname).replace(/^\/api(?=\/|$)/i, '') || '/';
    if (path.length > 1) path = path.replace(/\/+$/, '');
    const verb = exchange.verb.toLowerCase();
    const problems: string[] = [];
    const where = `${exchange.verb} ${exchange.url} → ${exchange.status}`;
    if (path === '/' && verb === 'post') {
      this.checkRpc(exchange, problems);
    } else {
      const route = this.routes.find((candidate) => candidate.pattern.test(path));
      const operation = route && this.openApi.paths[route.template][verb];
      if (!operation) {
        if (exchange.status < 300 && !UNDESCRIBED.test(path)) problems.push(`the document has no operation for ${exchange.verb} ${path}`);
        return problems.map((problem) => `${where}: ${problem}`);
      }
      if (exchange.status >= 200 && exchange.status < 300) this.checkRestRequest(exchange, route, path, url, operation, problems);
      this.checkAnswer(operation, `openapi#/paths/${pointer(route.template)}/${verb}`, exchange, problems);
    }
    return problems.map((problem) => `${where}: ${problem}`);
  }

  private checkRestRequest(exchange: Exchange, route: Route, path: string, url: URL, operation: Json, problems: string[]): void {
    const parameters = ((operation.parameters ?? []) as Json[]).map((parameter) => this.resolve(parameter));
    const values = route.pattern.exec(path)!.slice(1);
    const inPath = Object.fromEntries(route.names.map((name, index) => [name, decodeURIComponent(values[index])]));
    this.validateParameters(parameters.filter((parameter) => parameter.in === 'path'), inPath, 'path', problems);

    const query: Record<string, string[]> = {};
    for (const [raw, value] of url.searchParams) (query[raw.replace(/\[\]$/, '')] ??= []).push(value);
    const queryParameters = parameters.filter((parameter) => parameter.in === 'query');
    const asked: Record<string, unknown> = {};
    for (const [name, list] of Object.entries(query)) {
      const parameter = queryParameters.find((candidate) => candidate.name === name);
      if (!parameter) {
        problems.push(`query parameter ${name} is not documented`);
        continue;
      }
      const schema = this.resolve(parameter.schema);
      // Lists: repeated (explode) as documented, or comma-separated, which the server also reads.
      asked[name] = schema.type === 'array' ? list.flatMap((item) => item.split(',')).filter((item) => item.trim() !== '') : list.length === 1 ? list[0] : list;
    }
    this.validateParameters(queryParameters, asked, 'query', problems);

    const sentHeaders = Object.fromEntries(Object.entries(exchange.headers).map(([name, value]) => [name.toLowerCase(), value]));
    for (const parameter of parameters.filter((candidate) => candidate.in === 'header')) {
      const value = sentHeaders[parameter.name.toLowerCase()];
      if (value !== undefined) this.validateParameters([parameter], { [parameter.name]: value }, 'header', problems);
    }

    const body = operation.requestBody ? this.resolve(operation.requestBody) : undefined;
    if (!body) return;
    if (exchange.body === undefined) {
      if (body.required) problems.push('the document requires a body; the server took the request without one');
      return;
    }
    const parsed = parseJson(exchange.body);
    if (parsed === NOT_JSON) {
      problems.push('the server took a body that is not JSON');
      return;
    }
    const ref = `openapi#/paths/${pointer(route.template)}/${exchange.verb.toLowerCase()}/requestBody/content/application~1json/schema`;
    this.validate(this.ajv, ref, parsed, 'request body', problems);
  }

  /** Path, query or header values (text) against their parameters: coerced as the server reads them. */
  private validateParameters(parameters: Json[], values: Record<string, unknown>, where: string, problems: string[]): void {
    const key = `${where}:${parameters.map((parameter) => JSON.stringify(parameter)).join('|')}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.coercing.compile({
        type: 'object',
        properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, withBase(parameter.schema, 'openapi')])),
        required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
      });
      this.compiled.set(key, validate);
    }
    const copy = structuredClone(values);
    if (!validate(copy)) problems.push(`${where} parameters ${JSON.stringify(values)}: ${this.coercing.errorsText(validate.errors)}`);
  }

  /** The status is documented for the operation; the body and the headers are as documented for it. */
  private checkAnswer(operation: Json, base: string, exchange: Exchange, problems: string[], bodyOptional = false): void {
    const status = String(exchange.status);
    const documented = operation.responses[status] ?? operation.responses.default;
    if (!documented) {
      problems.push(`status ${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`);
      return;
    }
    const response = this.resolve(documented);
    const responseRef = documented.$ref ? `openapi${documented.$ref}` : `${base}/responses/${status}`;

    const headers = (response.headers ?? {}) as Record<string, Json>;
    const sent = Object.fromEntries(Object.entries(exchange.replyHeaders).map(([name, value]) => [name.toLowerCase(), String(value)]));
    for (const [name, reference] of Object.entries(headers)) {
      const header = this.resolve(reference);
      const value = sent[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) problems.push(`header ${name} is documented as always sent, and is missing`);
        continue;
      }
      this.validateParameters([{ name, schema: header.schema }], { [name]: value }, `header`, problems);
    }
    const documentedNames = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
    for (const name of API_HEADERS) {
      if (sent[name] !== undefined && !documentedNames.has(name)) problems.push(`header ${name} is sent and not documented for ${status}`);
    }

    const content = response.content as Record<string, Json> | undefined;
    const type = (sent['content-type'] ?? '').split(';')[0].trim();
    if (!content) {
      if (exchange.replyText) problems.push(`a body is sent (${type}) and none is documented`);
      return;
    }
    if (bodyOptional && !exchange.replyText) return;
    if (!content[type]) {
      problems.push(`the body is ${type || 'missing'}; documented: ${Object.keys(content).join(', ')}`);
      return;
    }
    if (type === 'application/json') {
      this.validate(this.ajv, `${responseRef}/content/application~1json/schema`, exchange.replyBody, 'body', problems);
    }
  }

  private checkRpc(exchange: Exchange, problems: string[]): void {
    const operation = this.openApi.paths['/'].post;
    // A 401 to notifications alone has no body (documented in words: OpenAPI cannot say "maybe no body").
    this.checkAnswer(operation, 'openapi#/paths/~1/post', exchange, problems, exchange.status === 401);
    const sent = exchange.body === undefined ? NOT_JSON : parseJson(exchange.body);
    if (sent === NOT_JSON || exchange.status !== 200) return;
    const calls = (Array.isArray(sent) ? sent : [sent]) as unknown[];
    const answers = (Array.isArray(exchange.replyBody) ? exchange.replyBody : [exchange.replyBody]) as Json[];
    for (const answer of answers) {
      if (!answer || !('result' in answer) || answer.id === null) continue;
      const call = calls.find((candidate): candidate is Json => isObject(candidate) && candidate.id === answer.id && 'method' in candidate);
      if (!call) continue;
      const index = this.rpcMethods.get(call.method);
      if (index === undefined || !this.openApi.components.schemas[`JsonRpcRequest.${call.method}`]) {
        problems.push(`method ${String(call.method)} answered a result and is not documented`);
        continue;
      }
      this.validate(this.ajv, `openapi#/components/schemas/JsonRpcRequest.${call.method}`, call, `call ${call.method} (id ${answer.id})`, problems);
      this.validate(this.ajv, `openrpc#/methods/${index}/result/schema`, answer.result, `result of ${call.method} (id ${answer.id})`, problems);
    }
  }

  private validate(ajv: Ajv2020, ref: string, data: unknown, what: string, problems: string[]): void {
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    if (!validate(data)) problems.push(`${what} ${JSON.stringify(data)?.slice(0, 300)}: ${ajv.errorsText(validate.errors)}`);
  }

  /** A `$ref` of the OpenAPI document followed (components: responses, parameters, headers, request bodies). */
  private resolve(value: Json): Json {
    if (typeof value?.$ref !== 'string') return value;
    const target = value.$ref
      .slice(2)
      .split('/')
      .reduce((node: Json, part: string) => node[part.replace(/~1/g, '/').replace(/~0/g, '~')], this.openApi);
    return this.resolve(target);
  }
}

const NOT_JSON = Symbol('not JSON');

function parseJson(body: string | Buffer): unknown {
  try {
    return JSON.parse(body.toString());
  } catch {
    return NOT_JSON;
  }
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `/clients/{id}` → `~1clients~1{id}` (a JSON pointer token). */
const pointer = (template: string) => template.replace(/~/g, '~0').replace(/\//g, '~1');

/** A schema from the document, its `#/...` references made absolute to it. */
const withBase = (schema: unknown, base: string): unknown => JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"${base}#/`));

let contract: Contract | undefined;

/** What does not match the committed documents in the exchange (see above); empty when all does. */
export function documentProblems(exchange: Exchange): string[] {
  contract ??= new Contract();
  return contract.check(exchange);
}

/** Throws when the exchange does not match the committed documents (see above), naming every problem. */
export function expectDocumented(exchange: Exchange): void {
  const problems = documentProblems(exchange);
  if (problems.length > 0) {
    throw new Error(`The exchange does not match docs/openapi.json (fix the document generator, src/platform/openapi):\n- ${problems.join('\n- ')}`);
  }
}
