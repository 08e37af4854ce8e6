import Decimal from '../../../platform/money/decimal';
import { BusinessRuleViolation } from '../../../platform/errors/domain-error';
import { fits, MONEY, toScale } from '../money';

/** Whether a booking must keep the client's balance plus credit from going below zero. */
export type BookingRule = 'postpaid' | 'prepaid';

/** What a booking needs to know of its client, read under the client's row lock. */
export interface BookedClient {
  id: number;
  balance: Decimal;
  credit: Decimal;
  credit_unlimited: boolean;
}

/** The amount in the client's currency: amount × rate, half to even at the money scale; refused when it overflows or rounds to 0. */
export function clientAmountOf(amount: Decimal, rate: Decimal): Decimal {
  const clientAmount = toScale(amount.times(rate), MONEY);
  if (!fits(clientAmount, MONEY)) {
    throw new BusinessRuleViolation('transactions-amount-overflow', `${amount.toFixed()} converts to more than the client's currency can hold`);
  }
  if (clientAmount.isZero()) {
    throw new BusinessRuleViolation('transactions-zero-amount', `${amount.toFixed()} converts to 0 in the client's currency`);
  }
  return clientAmount;
}

/** Whether the credit limit applies to the booking: a prepaid one that lowers the balance. */
export function checksCredit(rule: BookingRule, clientAmount: Decimal): boolean {
  return rule === 'prepaid' && clientAmount.isNegative();
}

/**
 * The client's balance after the booking. A prepaid booking that lowers the balance is refused
 * (`low-balance`) when balance plus credit would go below zero, unless the credit is unlimited;
 * one that raises it (a payment) always goes through. No balance may overflow its column.
 */
export function balanceAfter(client: BookedClient, clientAmount: Decimal, rule: BookingRule): Decimal {
  const balance = client.balance.plus(clientAmount);
  if (checksCredit(rule, clientAmount) && !client.credit_unlimited && balance.plus(client.credit).isNegative()) {
    throw new BusinessRuleViolation(
      'low-balance',
      `client #${client.id} has ${client.balance.plus(client.credit).toFixed()} available, ${clientAmount.negated().toFixed()} needed`,
    );
  }
  if (!fits(balance, MONEY)) throw new BusinessRuleViolation('balance-overflow', `the balance of client #${client.id} would not fit`);
  return balance;
}

/** The client as it was before an update that moved its balance by `clientAmount` and returned it as `after`. */
export function before(after: BookedClient, clientAmount: Decimal): BookedClient {
  return { ...after, balance: after.balance.minus(clientAmount) };
}
