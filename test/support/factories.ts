import type { TestApp } from './test-app';

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${++sequence}-${Date.now().toString(36)}`;

/** A reseller created by the administrator (or by `key`). */
export async function aReseller(t: TestApp, fields: { parent_id?: number | null; name?: string } = {}, key?: string) {
  const reply = await t.rpc('iam.resellers.create', { name: unique('reseller'), ...fields }, { key });
  if (reply.body.error) throw new Error(`aReseller: ${JSON.stringify(reply.body.error)}`);
  return reply.body.result as { id: number; name: string; parent_id: number | null; status: string };
}

/** A user created by the administrator (or by `key`), with its API key. */
export async function aUser(t: TestApp, fields: Record<string, unknown> = {}, key?: string) {
  const reply = await t.rpc('iam.users.create', { login: unique('user'), ...fields }, { key });
  if (reply.body.error) throw new Error(`aUser: ${JSON.stringify(reply.body.error)}`);
  return reply.body.result as { id: number; login: string; resellers_id: number | null; api_key: string };
}

/** A currency created by the administrator. */
export async function aCurrency(t: TestApp, name: string) {
  const reply = await t.rpc('accounting.currencies.create', { name });
  if (reply.body.error) throw new Error(`aCurrency: ${JSON.stringify(reply.body.error)}`);
  return reply.body.result as { id: number; name: string };
}

/** A client created by the administrator (or by `key`); `currencies_id` is required. */
export async function aClient(t: TestApp, fields: Record<string, unknown> & { currencies_id: number }, key?: string) {
  const reply = await t.rpc('clients.create', { name: unique('client'), ...fields }, { key });
  if (reply.body.error) throw new Error(`aClient: ${JSON.stringify(reply.body.error)}`);
  return reply.body.result as { id: number; name: string; resellers_id: number | null; currencies_id: number };
}

/** A postpaid booking made by the administrator (or by `key`). */
export async function aTransaction(t: TestApp, fields: Record<string, unknown> & { clients_id: number }, key?: string) {
  const reply = await t.rpc('accounting.transactions.create', { type: 'payment', amount: '1', ...fields }, { key });
  if (reply.body.error) throw new Error(`aTransaction: ${JSON.stringify(reply.body.error)}`);
  return reply.body.result as { id: number; clients_id: number; client_amount: number };
}
