/** Reading invoice PDFs back in tests: with pdf.js (Mozilla's reader), and with poppler-utils. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InvoiceDocument } from '../../src/modules/accounting/invoices/pdf/invoice-document';

/**
 * Reads a PDF (on stdin) back with Mozilla's pdf.js and prints JSON: the document info and, per
 * page, each non-blank text item with its left edge, right edge and baseline. pdfjs-dist is
 * ESM-only, which Jest's runtime cannot import on Node 20: a child `node` does.
 */
const PDFJS_READER = `
const pdfjs = await import(process.argv[1]);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const pdf = await pdfjs.getDocument({ data: new Uint8Array(Buffer.concat(chunks)), verbosity: 0 }).promise;
const { info } = await pdf.getMetadata();
const pages = [];
for (let n = 1; n <= pdf.numPages; n++) {
  const { items } = await (await pdf.getPage(n)).getTextContent();
  pages.push(items.filter((item) => item.str.trim() !== '').map((item) => ({
    text: item.str, x: item.transform[4], right: item.transform[4] + item.width, y: item.transform[5],
  })));
}
process.stdout.write(JSON.stringify({ info, pages }));
`;
const PDFJS = pathToFileURL(join(dirname(require.resolve('pdfjs-dist/package.json')), 'legacy/build/pdf.mjs')).href;

export interface TextItem {
  text: string;
  x: number;
  right: number;
  y: number;
}
export interface ReadPdf {
  info: Record<string, string>;
  pages: TextItem[][];
}

export function readWithPdfjs(pdf: Buffer): ReadPdf {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', PDFJS_READER, PDFJS], { input: pdf, maxBuffer: 256 << 20 });
  return JSON.parse(output.toString('utf8')) as ReadPdf;
}

/** A page's text as lines, top to bottom: the items on one baseline, left to right, joined by " | ". */
export function linesOf(page: TextItem[]): string[] {
  const rows = new Map<number, TextItem[]>();
  for (const item of page) {
    const y = Math.round(item.y * 10) / 10;
    rows.set(y, [...(rows.get(y) ?? []), item]);
  }
  return [...rows.entries()]
    .sort(([a], [b]) => b - a)
    .map(([, items]) => items.sort((a, b) => a.x - b.x).map((item) => item.text).join(' | '));
}

let scratch: string | undefined;
let files = 0;

/**
 * Runs a poppler-utils tool (Debian's `poppler-utils`: a PDF reader nobody here wrote) on the PDF;
 * execFileSync throws unless it exits 0. Only the tools suite (`npm run test:tools`) uses it.
 */
export function poppler(tool: 'pdfinfo' | 'pdftotext' | 'pdffonts', pdf: Buffer, ...args: string[]): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'invoice-pdf-'));
  const file = join(scratch, `invoice-${++files}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync(tool, [...args, file, ...(tool === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8', maxBuffer: 256 << 20 });
}

/** pdfinfo's fields, e.g. `Pages` → `3`. */
export function pdfinfo(pdf: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of poppler('pdfinfo', pdf).split('\n')) {
    const match = /^([^:]+):\s+(.*)$/.exec(line);
    if (match) fields[match[1]] = match[2];
  }
  return fields;
}

export function anInvoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return {
    number: '2026-000042',
    status: 'issued',
    seller: { name: 'Northwind Telecom GmbH' },
    client: {
      id: 7,
      name: 'Jürgen Øster',
      company_name: 'Øster & Søn ApS',
      address: 'Hauptstraße 5\n10115 Berlin',
      email: 'jurgen@example.com',
    },
    currency: 'EUR',
    invoice_dt: '2026-11-27',
    due_dt: '2026-12-11',
    start_dt: '2026-11-01',
    end_dt: '2026-12-01',
    timezone: 'Europe/Kyiv',
    lines: [
      { transactions_id: 11, dt: '2026-11-01 00:00:00', type: 'charge', notes: 'Monthly fee: Business 100', amount: '100.00' },
      { transactions_id: 12, dt: '2026-11-14 09:30:00', type: 'debit_note', notes: 'Extra IP addresses', amount: '30.45' },
      { transactions_id: 13, dt: '2026-11-20 17:05:12', type: 'credit_note', notes: null, amount: '-7.00' },
    ],
    total: '123.45',
    notes: 'Payment by bank transfer within 14 days.',
    ...overrides,
  };
}

/** `count` lines, each amount unique (`n.nn` with n its position), so every one can be found. */
export function manyLines(count: number): InvoiceDocument['lines'] {
  return Array.from({ length: count }, (_, i) => ({
    transactions_id: i + 1,
    dt: '2026-11-03 14:05:00',
    type: 'charge',
    notes: `Call bundle ${i + 1}`,
    amount: `${i + 1}.${String(i % 100).padStart(2, '0')}`,
  }));
}

export const HEADER = 'Date | Type | Notes | Amount';
