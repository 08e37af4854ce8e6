/**
 * An invoice as its PDF shows it: every value already in its final text form (dates in the
 * caller's effective zone, amounts as exact decimals at the currency's precision), so the
 * renderer only lays them out.
 */
export interface InvoiceDocument {
  number: string;
  status: 'issued' | 'paid' | 'void';
  /** Who issues it: the client's reseller, or the operator for a client of no reseller. */
  seller: { name: string };
  client: { id: number; name: string; company_name: string | null; address: string | null; email: string | null };
  /** The currency's name, e.g. `EUR`. */
  currency: string;
  /** Dates as the caller reads them, e.g. `2026-11-27`. */
  invoice_dt: string;
  due_dt: string;
  /** The period invoiced, [start_dt, end_dt). */
  start_dt: string;
  end_dt: string;
  /** The effective time zone the dates are in, e.g. `Europe/Kyiv`. */
  timezone: string;
  /** Each transaction on it; `amount` positive when the client owes it. */
  lines: { transactions_id: number; dt: string; type: string; notes: string | null; amount: string }[];
  total: string;
  notes: string | null;
}

/** Makes the PDF of an invoice. */
export abstract class InvoicePdfRenderer {
  abstract render(document: InvoiceDocument): Promise<Buffer>;
}
