import { CreateUsers1764028800000 } from './1764028800000-create-users';
import { CreateCurrencies1764028800001 } from './1764028800001-create-currencies';
import { CreateResellersAndSettings1764028800002 } from './1764028800002-create-resellers-and-settings';
import { CreateClients1764028800003 } from './1764028800003-create-clients';
import { CreateExchangeRatesAndTransactions1764028800004 } from './1764028800004-create-exchange-rates-and-transactions';
import { AddUsersTokenVersion1764028800005 } from './1764028800005-add-users-token-version';
import { ResellerRowLevelSecurity1764028800006 } from './1764028800006-reseller-row-level-security';
import { ClientsSearchIndexes1764028800007 } from './1764028800007-clients-search-indexes';
import { CreatePackagesAndSubscriptions1764028800008 } from './1764028800008-create-packages-and-subscriptions';
import { CreateInvoices1764028800009 } from './1764028800009-create-invoices';
import { CreateIdempotencyKeys1764028800010 } from './1764028800010-create-idempotency-keys';

/** Every migration in order; the server applies the pending ones at boot. */
export const MIGRATIONS = [
  CreateUsers1764028800000,
  CreateCurrencies1764028800001,
  CreateResellersAndSettings1764028800002,
  CreateClients1764028800003,
  CreateExchangeRatesAndTransactions1764028800004,
  AddUsersTokenVersion1764028800005,
  ResellerRowLevelSecurity1764028800006,
  ClientsSearchIndexes1764028800007,
  CreatePackagesAndSubscriptions1764028800008,
  CreateInvoices1764028800009,
  CreateIdempotencyKeys1764028800010,
];
