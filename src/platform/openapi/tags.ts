/**
 * The documents' tags: one per JSON-RPC namespace (`accounting.currencies.get` → `accounting.currencies`),
 * described, and grouped by the module that serves them (`x-tagGroups`, for Redoc-style viewers).
 * A method in a namespace missing here fails the documents' build (and so test/e2e/docs.e2e.ts).
 */
export interface TagGroup {
  name: string;
  tags: Record<string, string>;
}

export const TAG_GROUPS: TagGroup[] = [
  {
    name: 'Accounting',
    tags: {
      'accounting.currencies': 'Currencies (ISO 4217 codes) and their precisions; the exchange rate in effect at an instant',
      'accounting.currencies.rates': 'Exchange rates between two currencies, each in effect from an instant on; creating one also stores the reverse',
      'accounting.invoices': 'Invoices of a period: drafts, issued numbers, voiding, PDF, and bill runs over many clients',
      'accounting.transactions': 'Payments, charges, notes and adjustments booked on a client balance; prepaid bookings refuse to overdraw',
    },
  },
  {
    name: 'Billing',
    tags: {
      packages: 'Packages: activation and periodic subscription fees in a currency',
      'clients.subscriptions': 'Subscriptions of clients to packages, charged every period by the billing engine',
    },
  },
  {
    name: 'Clients',
    tags: {
      clients: 'Client accounts: currency, credit limit, balance (the sum of their transactions), contacts',
    },
  },
  {
    name: 'IAM',
    tags: {
      'iam.users': 'API users: status, reseller reach, time zone, allowed IPs, API keys',
      'iam.resellers': 'Resellers: a tree that limits what each user reaches',
      'iam.auth.jwt': 'JWT bearer tokens (deprecated: prefer the X-Api-Key header)',
    },
  },
  {
    name: 'Platform',
    tags: {
      'json-rpc': 'The JSON-RPC 2.0 endpoint: every method above, by its JSON-RPC name, single or in batches',
      rpc: 'Methods about the API itself: rpc.discover answers the OpenRPC document',
      health: 'Liveness and readiness probes, without credentials',
    },
  },
];

const DESCRIPTIONS = new Map(TAG_GROUPS.flatMap((group) => Object.entries(group.tags)));

/** `accounting.currencies.get` → `accounting.currencies`. */
export function tagOf(rpcName: string): string {
  const tag = rpcName.split('.').slice(0, -1).join('.') || rpcName;
  if (!DESCRIPTIONS.has(tag)) throw new Error(`The API documents have no tag "${tag}" (of ${rpcName}): add it to TAG_GROUPS`);
  return tag;
}

/** Every tag with its description, in group order. */
export function tagList(): { name: string; description: string }[] {
  return [...DESCRIPTIONS].map(([name, description]) => ({ name, description }));
}
