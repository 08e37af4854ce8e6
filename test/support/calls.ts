import type { RegisteredMethod } from '../../src/platform/api/method-registry';
import type { HttpReply, TestApp } from './test-app';

export type Protocol = 'rest' | 'rpc';
export const PROTOCOLS: Protocol[] = ['rest', 'rpc'];

/** The outcome of a call, the same shape whichever protocol carried it. */
export type Outcome = { ok: true; result: any } | { ok: false; status: number; message: string; data: any };

/** The HTTP status a JSON-RPC error code stands for (SPEC §2), so outcomes compare across protocols. */
const STATUS_OF_CODE: Record<number, number> = { [-32602]: 400, [-32005]: 401, [-32004]: 404, [-32000]: 422, [-32029]: 429, [-32603]: 500 };

/** Calls a declared method over either protocol, deriving the REST request from its declaration. */
export async function call(
  t: TestApp,
  method: RegisteredMethod,
  params: Record<string, unknown>,
  protocol: Protocol,
  key: string | null,
): Promise<Outcome> {
  if (protocol === 'rpc') {
    const reply = await t.rpc(method.options.rpc, params, { key });
    if (reply.body?.error) {
      const { code, message, data } = reply.body.error;
      return { ok: false, status: STATUS_OF_CODE[code] ?? code, message, data };
    }
    return { ok: true, result: reply.body.result };
  }
  const rest = { ...params };
  const path = method.path.replace(/:([a-z_]+)/g, (_, name: string) => {
    const value = rest[name];
    delete rest[name];
    return encodeURIComponent(String(value));
  });
  let reply: HttpReply;
  if (method.verb === 'GET' || method.verb === 'DELETE') {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(rest)) {
      for (const item of Array.isArray(value) ? value : [value]) query.append(name, String(item));
    }
    reply = await t.rest(method.verb, query.size ? `${path}?${query}` : path, undefined, { key });
  } else {
    reply = await t.rest(method.verb, path, rest, { key });
  }
  if (reply.status !== 200) {
    return { ok: false, status: reply.status, message: reply.body.error.message, data: reply.body.error.data };
  }
  return { ok: true, result: reply.body };
}
