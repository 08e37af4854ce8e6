import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import parseUrl from 'parseurl';
import proxyAddr from 'proxy-addr';

/**
 * A request as the platform reads it, whichever HTTP adapter serves it: Express's request and
 * Fastify's both have these, with the same meaning (the adapters in ./adapters make sure of it).
 */
export interface HttpRequest {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The caller's address: the socket's, or X-Forwarded-For's as far as TRUST_PROXY believes it. */
  readonly ip?: string;
  readonly query: Record<string, unknown>;
  readonly params: Record<string, unknown>;
  /** The JSON body (see body-parsing.ts); undefined when there is none. */
  readonly body?: unknown;
}

/** What the platform does to a response, whichever adapter serves it: Express's response and Fastify's reply both have these. */
export interface HttpResponse {
  status(code: number): HttpResponse;
  header(name: string, value: string): HttpResponse;
  /** Sends the answer; no body: an empty one. */
  send(body?: string): unknown;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** One answer: its status, headers and JSON text (none: an empty body), sent by the adapter serving the request. */
export function sendJson(response: HttpResponse, status: number, headers: Record<string, string>, json?: string): void {
  response.status(status);
  for (const [name, value] of Object.entries(headers)) response.header(name, value);
  if (json === undefined) response.send();
  else response.header('Content-Type', JSON_CONTENT_TYPE).send(json);
}

/** The Node.js request beneath either adapter's request (Fastify keeps it in `raw`; Express's is one). */
export function nodeRequest(request: HttpRequest | IncomingMessage): IncomingMessage {
  return (request as { raw?: IncomingMessage }).raw ?? (request as IncomingMessage);
}

/** The path of a request without its query, read as Express reads `request.path`. */
export function requestPath(request: HttpRequest | IncomingMessage): string {
  return parseUrl(nodeRequest(request))?.pathname ?? '/';
}

/**
 * The query string parser of both adapters: every pair is read (Node's default stops silently at
 * 1000); the 16 KB header limit bounds them. A fragment sent after `#` is no part of the query.
 */
export function parseQuery(text: string | null): Record<string, unknown> {
  return parseQueryString(text?.split('#', 1)[0] ?? '', '&', '=', { maxKeys: 0 });
}

/**
 * TRUST_PROXY as the function both adapters ask about each address in X-Forwarded-For (hop 0 is the
 * socket's peer): a number trusts that many hops, as Express does; addresses and subnets are trusted wherever they are.
 */
export function proxyTrust(setting: false | number | string): (address: string, hop: number) => boolean {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting === false ? [] : setting.split(',').map((entry) => entry.trim()));
}

// The response a request will be answered with, for code that holds only the request.
const responses = new WeakMap<IncomingMessage, ServerResponse>();

/** Called once per request, before anything else runs (see request-logging.middleware.ts). */
export function linkResponse(request: IncomingMessage, response: ServerResponse): void {
  responses.set(request, response);
}

/** The Node response `request` will be answered with (either adapter writes its answer there). */
export function nodeResponse(request: HttpRequest): ServerResponse | undefined {
  return responses.get(nodeRequest(request));
}

/** Sets a header of the answer to `request`, before the answer is sent: both adapters send the headers set on the Node response. */
export function setResponseHeader(request: HttpRequest, name: string, value: string): void {
  nodeResponse(request)?.setHeader(name, value);
}
