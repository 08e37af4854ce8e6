import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { anInvoice, HEADER, linesOf, manyLines, ReadPdf, readWithPdfjs } from '../../../../../test/support/pdf';
import type { InvoiceDocument } from './invoice-document';
import { PdfkitInvoiceRenderer } from './pdfkit-renderer';

/** The right edge of the amount column (A4 is 595.28 pt wide, the right margin 50). */
const RIGHT_EDGE = 545.28;

let renderer: PdfkitInvoiceRenderer;

beforeAll(() => {
  renderer = new PdfkitInvoiceRenderer();
});

afterAll(() => renderer.onModuleDestroy());

/** The pool's workers, for the tests that watch or kill them. */
const workersOf = (subject: PdfkitInvoiceRenderer): Worker[] => subject['slots'].map((slot) => slot.worker);

describe('PdfkitInvoiceRenderer: what the PDF shows', () => {
  it('lays out seller, title, dates and zone, client, the lines, the total with its currency, the notes and the page number', async () => {
    const read = readWithPdfjs(await renderer.render(anInvoice()));

    expect(read.pages.length).toBe(1);
    expect(linesOf(read.pages[0])).toEqual([
      'Northwind Telecom GmbH',
      'Invoice 2026-000042',
      'Invoice date: 2026-11-27',
      'Due date: 2026-12-11',
      'Bill to',
      'Period: 2026-11-01 – 2026-12-01',
      'Jürgen Øster',
      'Time zone: Europe/Kyiv',
      'Øster & Søn ApS',
      'Hauptstraße 5',
      '10115 Berlin',
      'jurgen@example.com',
      HEADER,
      '2026-11-01 00:00:00 | charge | Monthly fee: Business 100 | 100.00',
      '2026-11-14 09:30:00 | debit_note | Extra IP addresses | 30.45',
      '2026-11-20 17:05:12 | credit_note | -7.00',
      'Total: 123.45 EUR',
      'Notes',
      'Payment by bank transfer within 14 days.',
      'Page 1 of 1',
    ]);
  });

  it('right-aligns every amount, and the total, on the right margin', async () => {
    const [page] = readWithPdfjs(await renderer.render(anInvoice())).pages;

    const rightEdges = page
      .filter((item) => ['Amount', '100.00', '30.45', '-7.00', 'Total: 123.45 EUR'].includes(item.text))
      .map((item) => Math.round(item.right * 10) / 10);
    expect(rightEdges).toEqual([RIGHT_EDGE, RIGHT_EDGE, RIGHT_EDGE, RIGHT_EDGE, RIGHT_EDGE].map((edge) => Math.round(edge * 10) / 10));
  });

  it.each([
    ['Jürgen Øster', 'Müller & Søn'],
    ['Élodie Lefèvre-Châtelain', 'Société Générale des Télécoms'],
    ['Ольга Іваненко', 'ТОВ «Зв’язок»'],
    ['Ξανθή Παπαδοπούλου', 'Τηλεπικοινωνίες Α.Ε.'],
  ])('writes %s of %s exactly as given (an embedded Unicode font)', async (name, company) => {
    const pdf = await renderer.render(anInvoice({ client: { id: 9, name, company_name: company, address: null, email: null } }));

    const lines = linesOf(readWithPdfjs(pdf).pages[0]);
    expect(lines.filter((line) => line === name || line === company)).toEqual([name, company]);
  });

  it('embeds DejaVu Sans from the npm package', () => {
    expect(existsSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'))).toBe(true);
    expect(existsSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'))).toBe(true);
  });

  it('wraps long notes inside the notes column', async () => {
    const notes = 'International calls to mobile networks, weekends included, billed per second after the first minute at the rate of the destination.';
    const document = anInvoice({ lines: [{ transactions_id: 1, dt: '2026-11-02 08:00:00', type: 'charge', notes, amount: '12.34' }] });

    const [page] = readWithPdfjs(await renderer.render(document)).pages;
    const lines = linesOf(page);
    expect(lines.slice(lines.indexOf(HEADER) + 1, lines.indexOf('Total: 123.45 EUR'))).toEqual([
      '2026-11-02 08:00:00 | charge | International calls to mobile networks, | 12.34',
      'weekends included, billed per second after',
      'the first minute at the rate of the',
      'destination.',
    ]);
    // Every piece starts at the notes column (x 245) and ends before the amount column (x 460.28).
    const pieces = page.filter((item) => notes.includes(item.text));
    expect(pieces.map((item) => item.x)).toEqual([245, 245, 245, 245]);
    expect(pieces.filter((item) => item.right > 450.28)).toEqual([]);
  });

  it('cuts a row taller than a page at the foot of the page, with an ellipsis, and goes on on the next', async () => {
    const document = anInvoice({
      notes: null,
      lines: [
        { transactions_id: 1, dt: '2026-11-02 08:00:00', type: 'charge', notes: 'word '.repeat(5000), amount: '1.00' },
        { transactions_id: 2, dt: '2026-11-03 08:00:00', type: 'charge', notes: 'after it', amount: '2.00' },
      ],
    });

    const pages = readWithPdfjs(await renderer.render(document)).pages.map(linesOf);
    expect(pages.length).toBe(2);
    expect(pages[0].filter((line) => line.startsWith('2026-11-0'))).toEqual(['2026-11-02 08:00:00 | charge | word word word word word word word word | 1.00']);
    expect(pages[0].slice(-2)).toEqual(['word word word word word word word wor…', 'Page 1 of 2']);
    expect(pages[1]).toEqual([HEADER, '2026-11-03 08:00:00 | charge | after it | 2.00', 'Total: 123.45 EUR', 'Page 2 of 2']);
  });

  it('sets Title, Author and CreationDate (the invoice date)', async () => {
    const read = readWithPdfjs(await renderer.render(anInvoice({ seller: { name: 'Ольга Телеком' } })));
    expect([read.info.Title, read.info.Author, read.info.CreationDate]).toEqual(['Invoice 2026-000042', 'Ольга Телеком', 'D:20261127000000Z']);
  });

  it.each([
    ['void', ['VOID']],
    ['paid', ['PAID']],
    ['issued', []],
  ] as const)('marks the status %s with %j', async (status, marks) => {
    const pdf = await renderer.render(anInvoice({ status }));

    const [page] = readWithPdfjs(pdf).pages;
    expect(page.filter((item) => item.text === 'VOID' || item.text === 'PAID').map((item) => item.text)).toEqual(marks);
  });
});

describe('PdfkitInvoiceRenderer: 2,000 lines', () => {
  const COUNT = 2000;
  let pdf: Buffer;
  let read: ReadPdf;

  beforeAll(async () => {
    pdf = await renderer.render(anInvoice({ lines: manyLines(COUNT), notes: null, total: '2011900.00' }));
    read = readWithPdfjs(pdf);
  });

  it('flows onto 47 pages, each with the table header and "Page n of 47"', () => {
    const pages = read.pages.map(linesOf);

    expect(pages.length).toBe(47);
    expect(pages.map((lines) => lines.filter((line) => line === HEADER).length)).toEqual(Array(47).fill(1));
    expect(pages.map((lines) => lines.at(-1))).toEqual(Array.from({ length: 47 }, (_, i) => `Page ${i + 1} of 47`));
  });

  it('holds every line, in order, and the total after the last', () => {
    const rows = read.pages.flatMap(linesOf).filter((line) => line.startsWith('2026-11-03 14:05:00 | '));

    expect(rows).toEqual(manyLines(COUNT).map((line) => `${line.dt} | ${line.type} | ${line.notes} | ${line.amount}`));
    expect(linesOf(read.pages[46]).slice(-3)).toEqual(['2026-11-03 14:05:00 | charge | Call bundle 2000 | 2000.99', 'Total: 2011900.00 EUR', 'Page 47 of 47']);
  });
});

describe('PdfkitInvoiceRenderer: the worker threads', () => {
  it('gives the same bytes for the same document, from either worker', async () => {
    const document = anInvoice({ status: 'paid', lines: manyLines(50) });

    const [first, second] = await Promise.all([renderer.render(document), renderer.render(document)]);
    const third = await renderer.render(document);
    const other = await renderer.render({ ...document, number: '2026-000043' });

    expect(workersOf(renderer).length).toBe(2);
    expect(first.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect([first.equals(second), first.equals(third), first.equals(other)]).toEqual([true, true, false]);
  });

  it('keeps the event loop turning while it renders 2,000 lines', async () => {
    await renderer.render(anInvoice()); // the workers are up before the count starts
    let turns = 0;
    let rendering = true;
    const turn = () => {
      turns++;
      if (rendering) setImmediate(turn);
    };
    setImmediate(turn);

    const pdf = await renderer.render(anInvoice({ lines: manyLines(2000) }));
    rendering = false;

    expect(readWithPdfjs(pdf).pages.length).toBe(47);
    // Rendered on this thread, the loop would not turn once until the render is done.
    expect(turns).toBeGreaterThanOrEqual(1000);
  });

  it('rejects a render that throws in the worker, with its error, and renders the next', async () => {
    const broken = { ...anInvoice(), lines: null } as unknown as InvoiceDocument;
    const threads = workersOf(renderer).map((worker) => worker.threadId);

    await expect(renderer.render(broken)).rejects.toMatchObject({ name: 'TypeError', message: 'invoice.lines is not iterable' });
    expect(readWithPdfjs(await renderer.render(anInvoice())).pages.length).toBe(1);
    expect(workersOf(renderer).map((worker) => worker.threadId)).toEqual(threads);
  });

  it('rejects a document that cannot be sent to a worker, and renders the next', async () => {
    const unclonable = { ...anInvoice(), total: () => '1.00' } as unknown as InvoiceDocument;

    await expect(renderer.render(unclonable)).rejects.toThrow('() => \'1.00\' could not be cloned.');
    expect(readWithPdfjs(await renderer.render(anInvoice())).pages.length).toBe(1);
  });

  it('rejects the render of a worker that dies, and replaces the worker', async () => {
    const subject = new PdfkitInvoiceRenderer();
    try {
      await subject.render(anInvoice());
      const [first] = workersOf(subject);

      const dying = subject.render(anInvoice({ lines: manyLines(2000) }));
      await first.terminate();
      await expect(dying).rejects.toThrow('The invoice PDF worker stopped (exit code 1)');

      expect(readWithPdfjs(await subject.render(anInvoice())).pages.length).toBe(1);
      const now = workersOf(subject);
      expect(now.length).toBe(1);
      expect(now[0].threadId).not.toBe(first.threadId);
    } finally {
      await subject.onModuleDestroy();
    }
  });

  it('stops with the module: renders waiting or in flight are rejected, and so are later ones', async () => {
    const subject = new PdfkitInvoiceRenderer();
    const renders = Promise.allSettled([1, 2, 3].map(() => subject.render(anInvoice({ lines: manyLines(500) }))));

    await subject.onModuleDestroy();

    const stopped = new Error('The invoice PDF renderer has stopped');
    expect(await renders).toEqual([1, 2, 3].map(() => ({ status: 'rejected', reason: stopped })));
    await expect(subject.render(anInvoice())).rejects.toThrow(stopped);
    expect(workersOf(subject)).toEqual([]);
  });
});

