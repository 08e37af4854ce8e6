import { anInvoice, manyLines, pdfinfo, poppler } from '../support/pdf';
import { PdfkitInvoiceRenderer } from '../../src/modules/accounting/invoices/pdf/pdfkit-renderer';

// Invoice PDFs read by a tool nobody here wrote: Debian's poppler-utils (pdfinfo, pdftotext,
// pdffonts). `npm run test:tools`; CI installs poppler-utils first.
let renderer: PdfkitInvoiceRenderer;
beforeAll(() => {
  renderer = new PdfkitInvoiceRenderer();
});
afterAll(() => renderer.onModuleDestroy());

describe('invoice PDFs, read by poppler-utils', () => {
  it('embeds DejaVu Sans from the npm package, and no other font', async () => {
    const fonts = poppler('pdffonts', await renderer.render(anInvoice({ status: 'paid' })))
      .split('\n')
      .slice(2)
      .filter((line) => line !== '')
      .map((line) => line.split(/\s+/))
      // name (subset tag stripped), type, embedded, subset, has a ToUnicode map
      .map(([name, ...rest]) => [name.replace(/^[A-Z]{6}\+/, ''), rest.slice(0, 2).join(' '), ...rest.slice(-5, -2)])
      .sort();
    expect(fonts).toEqual([
      ['DejaVuSans', 'CID TrueType', 'yes', 'yes', 'yes'],
      ['DejaVuSans-Bold', 'CID TrueType', 'yes', 'yes', 'yes'],
    ]);
  });

  it('has pdfinfo accept the file, with its title, author and A4 pages', async () => {
    const pdf = await renderer.render(anInvoice({ seller: { name: 'Ольга Телеком' } }));

    const info = pdfinfo(pdf);
    expect([info.Pages, info.Title, info.Author, info['Page size'], info.Encrypted]).toEqual([
      '1',
      'Invoice 2026-000042',
      'Ольга Телеком',
      '595.28 x 841.89 pts (A4)',
      'no',
    ]);
  });

  it('has pdftotext find the number and the total line', async () => {
    const text = poppler('pdftotext', await renderer.render(anInvoice())).split('\n');

    expect(text.filter((line) => line.includes('2026-000042'))).toEqual(['Invoice 2026-000042']);
    expect(text.filter((line) => line.startsWith('Total:'))).toEqual(['Total: 123.45 EUR']);
  });

  it.each([
    ['Jürgen Øster', 'Müller & Søn'],
    ['Ольга Іваненко', 'ТОВ «Зв’язок»'],
  ])('has pdftotext read %s of %s exactly', async (name, company) => {
    const pdf = await renderer.render(anInvoice({ client: { id: 9, name, company_name: company, address: null, email: null } }));
    const text = poppler('pdftotext', pdf).split('\n');
    expect(text.filter((line) => line === name || line === company)).toEqual([name, company]);
  });

  it.each([
    ['void', ['VOID']],
    ['paid', ['PAID']],
    ['issued', []],
  ] as const)('has pdftotext find the mark of status %s: %j', async (status, marks) => {
    const pdf = await renderer.render(anInvoice({ status }));
    expect(poppler('pdftotext', pdf).split('\n').filter((line) => line === 'VOID' || line === 'PAID')).toEqual(marks);
  });

  it('has pdfinfo count the 47 pages of 2,000 lines', async () => {
    const pdf = await renderer.render(anInvoice({ lines: manyLines(2000), notes: null, total: '2011900.00' }));
    expect(pdfinfo(pdf).Pages).toBe('47');
  });
});
