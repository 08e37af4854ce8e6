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

/** A package created by the administrator (or by `key`); `currencies_id` is required, the period defaults to P1M. */
export async function aPackage(t: TestApp, fields: Record<string, unknown> & { currencies_id: number }, key?: string) {
  const reply = await t.rpc('packages.create', { name: unique('package'), period: 'P1M', subscription_fee: '10', ...fields }, { key });
  if (reply.body.error) throw new Error(`aPackage: ${JSON.stringify(reply.body.error)}`);
  return reply.body.result as { id: number; name: string; resellers_id: number | null; currencies_id: number; status: string };
}

/** Far ahead: the billing engine has nothing to do for a subscription starting then. */
export const FAR_FUTURE = '2099-01-01T00:00:00Z';

/** A subscription created by the administrator (or by `key`), starting FAR_FUTURE unless told otherwise. */
export async function aSubscription(t: TestApp, fields: Record<string, unknown> & { clients_id: number; packages_id: number }, key?: string) {
  const reply = await t.rpc('clients.subscriptions.create', { start_dt: FAR_FUTURE, ...fields }, { key });
  if (reply.body.error) throw new Error(`aSubscription: ${JSON.stringify(reply.body.error)}`);
  return reply.body.result as { id: number; clients_id: number; packages_id: number; resellers_id: number | null; status: string; condition: string };
}
