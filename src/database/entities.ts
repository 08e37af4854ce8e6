import { CurrencyEntity } from '../modules/accounting/currencies/currency.entity';
import { ExchangeRateEntity } from '../modules/accounting/rates/exchange-rate.entity';
import { TransactionEntity } from '../modules/accounting/transactions/transaction.entity';
import { InvoiceEntity, InvoiceLineEntity, InvoiceNumberEntity } from '../modules/accounting/invoices/invoice.entity';
import { PackageEntity } from '../modules/billing/packages/package.entity';
import { SubscriptionEntity } from '../modules/billing/subscriptions/subscription.entity';
import { ClientEntity } from '../modules/clients/client.entity';
import { ResellerEntity } from '../modules/iam/resellers/reseller.entity';
import { SettingEntity } from '../modules/iam/settings/setting.entity';
import { UserEntity } from '../modules/iam/users/user.entity';
import { IdempotencyKeyEntity } from '../platform/idempotency/idempotency-key.entity';

/** Every entity, listed explicitly so the compiled server and the tests load the same set. */
export const ENTITIES = [
  ResellerEntity,
  UserEntity,
  SettingEntity,
  CurrencyEntity,
  ExchangeRateEntity,
  ClientEntity,
  TransactionEntity,
  PackageEntity,
  SubscriptionEntity,
  InvoiceEntity,
  InvoiceLineEntity,
  InvoiceNumberEntity,
  IdempotencyKeyEntity,
];
