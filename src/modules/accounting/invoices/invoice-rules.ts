import { DateTime } from 'luxon';
import { ValidationFailed } from '../../../platform/errors/domain-error';
import Decimal from '../../../platform/money/decimal';
import { toScale } from '../money';
import type { TransactionType } from '../transactions/transaction.entity';

/**
 * The rules of invoicing (SPEC §11) as pure functions: what goes on an invoice, what it totals,
 * how it is numbered and dated. The service applies them under the client's lock.
 */

/** The transactions an invoice is made of; payments and adjustments never are. */
export const INVOICED_TYPES: readonly TransactionType[] = ['charge', 'debit_note', 'credit_note'];

/** Days from invoice_dt to the default due_dt. */
export const DEFAULT_DUE_DAYS = 14;

/** `2026-000042`: the year and the seq, padded to six digits (a seventh appears past 999,999). */
export function invoiceNumber(year: number, seq: number): string {
  return `${year}-${String(seq).padStart(6, '0')}`;
}

/** A line's amount: minus what the transaction moved the balance by, so positive when the client owes it. */
export function lineAmount(clientAmount: Decimal): Decimal {
  return clientAmount.negated();
}

/** The total of lines' amounts, exact, then rounded half to even at the currency's totals_precision. */
export function totalOf(amounts: readonly Decimal[], totalsPrecision: number): Decimal {
  const sum = amounts.reduce((total, amount) => total.plus(amount), new Decimal(0));
  // Rounded to zero it is written 0, never -0.
  const total = toScale(sum, { scale: totalsPrecision });
  return total.isZero() ? new Decimal(0) : total;
}

/** The default due date: the same local time DEFAULT_DUE_DAYS calendar days later in the system zone. */
export function defaultDueDt(invoiceDt: Date, zone: string): Date {
  return DateTime.fromJSDate(invoiceDt, { zone }).plus({ days: DEFAULT_DUE_DAYS }).toJSDate();
}

/** The dates of an invoice, checked: the period [start_dt, end_dt) not empty, due no earlier than issued. */
export interface InvoiceDates {
  start_dt: Date;
  end_dt: Date;
  invoice_dt: Date;
  due_dt: Date;
}

export function invoiceDates(
  given: { start_dt: Date; end_dt: Date; invoice_dt?: Date; due_dt?: Date },
  now: Date,
  zone: string,
): InvoiceDates {
  if (given.end_dt.getTime() <= given.start_dt.getTime()) throw ValidationFailed.field('end_dt', 'must be after start_dt');
  const invoiceDt = given.invoice_dt ?? now;
  const dueDt = given.due_dt ?? defaultDueDt(invoiceDt, zone);
  checkDue(dueDt, invoiceDt);
  return { start_dt: given.start_dt, end_dt: given.end_dt, invoice_dt: invoiceDt, due_dt: dueDt };
}

export function checkDue(dueDt: Date, invoiceDt: Date): void {
  if (dueDt.getTime() < invoiceDt.getTime()) throw ValidationFailed.field('due_dt', 'must not be before invoice_dt');
}

/** An amount as a document shows it: every digit, and at least the currency's places (12.5 at 2 → `12.50`). */
export function moneyText(value: Decimal, places: number): string {
  return value.toFixed(Math.max(places, value.decimalPlaces()));
}
