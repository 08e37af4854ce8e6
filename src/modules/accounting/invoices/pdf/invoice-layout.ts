import PDFDocument from 'pdfkit';
import type { InvoiceDocument } from './invoice-document';

/** DejaVu covers Latin, Greek and Cyrillic in full; pdfkit's built-in Helvetica only WinAnsi. */
const FONTS = {
  regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
};

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = { top: 50, left: 50, right: 50, bottom: 60 };
const CONTENT_WIDTH = A4.width - MARGIN.left - MARGIN.right;
const CONTENT_BOTTOM = A4.height - MARGIN.bottom;
const GREY = '#555555';
const RULE = '#bbbbbb';
const TABLE_FONT_SIZE = 9;
const CELL_GAP = 10;
const ROW_PADDING = 3;

/** The table's columns, left to right; the notes take what the others leave. */
const COLUMNS = (() => {
  const date = 105;
  const type = 70;
  const amount = 85;
  const notes = CONTENT_WIDTH - date - type - amount - 3 * CELL_GAP;
  let x = MARGIN.left;
  const at = (width: number) => {
    const column = { x, width };
    x += width + CELL_GAP;
    return column;
  };
  return { date: at(date), type: at(type), notes: at(notes), amount: at(amount) };
})();

const MARKS: Partial<Record<InvoiceDocument['status'], { text: string; color: string }>> = {
  void: { text: 'VOID', color: '#c62828' },
  paid: { text: 'PAID', color: '#2e7d32' },
};

/**
 * Lays an invoice out on A4 pages and returns the PDF's bytes. Deterministic: the same document
 * gives the same bytes (the creation date is the invoice date, never the clock).
 */
export function layOutInvoicePdf(invoice: InvoiceDocument): Promise<Uint8Array> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    font: FONTS.regular,
    bufferPages: true,
    displayTitle: true,
    lang: 'en',
    info: {
      Title: `Invoice ${invoice.number}`,
      Author: invoice.seller.name,
      Subject: `Invoice ${invoice.number} to ${invoice.client.name}`,
      CreationDate: creationDate(invoice.invoice_dt),
    },
  });
  doc.registerFont('regular', FONTS.regular);
  doc.registerFont('bold', FONTS.bold);
  const bytes = collect(doc);

  const tableTop = drawHeading(doc, invoice);
  const afterTable = drawLines(doc, invoice, tableTop);
  drawTotalAndNotes(doc, invoice, afterTable);
  drawPageNumbers(doc);
  doc.end();
  return bytes;
}

/** Seller, title, status mark, client and dates; answers where the table starts. */
function drawHeading(doc: PDFKit.PDFDocument, invoice: InvoiceDocument): number {
  const half = CONTENT_WIDTH / 2 - CELL_GAP;
  const right = MARGIN.left + CONTENT_WIDTH / 2 + CELL_GAP;

  doc.font('bold').fontSize(14).fillColor('black').text(invoice.seller.name, MARGIN.left, MARGIN.top, { width: half });
  const sellerBottom = doc.y;
  doc.font('bold').fontSize(20).text(`Invoice ${invoice.number}`, right, MARGIN.top, { width: half, align: 'right' });
  let rightY = doc.y + 4;

  const mark = MARKS[invoice.status];
  if (mark) {
    doc.font('bold').fontSize(22);
    const width = doc.widthOfString(mark.text) + 16;
    const height = doc.currentLineHeight() + 6;
    const x = MARGIN.left + CONTENT_WIDTH - width;
    doc.save().lineWidth(2).strokeColor(mark.color).rect(x, rightY, width, height).stroke().restore();
    doc.fillColor(mark.color).text(mark.text, x, rightY + 4, { width, align: 'center', lineBreak: false });
    doc.fillColor('black');
    rightY += height + 8;
  }

  doc.font('regular').fontSize(10);
  for (const line of [
    `Invoice date: ${invoice.invoice_dt}`,
    `Due date: ${invoice.due_dt}`,
    `Period: ${invoice.start_dt} – ${invoice.end_dt}`,
    `Time zone: ${invoice.timezone}`,
  ]) {
    doc.text(line, right, rightY, { width: half, align: 'right' });
    rightY = doc.y;
  }

  let leftY = Math.max(sellerBottom + 18, MARGIN.top + 48);
  doc.font('bold').fontSize(9).fillColor(GREY).text('Bill to', MARGIN.left, leftY, { width: half });
  doc.font('bold').fontSize(11).fillColor('black').text(invoice.client.name, { width: half });
  doc.font('regular').fontSize(10);
  for (const line of [invoice.client.company_name, invoice.client.address, invoice.client.email]) {
    if (line) doc.text(line, { width: half });
  }
  leftY = doc.y;

  return Math.max(leftY, rightY) + 24;
}

/** The table of lines, its header repeated on every page it reaches; answers where it ends. */
function drawLines(doc: PDFKit.PDFDocument, invoice: InvoiceDocument, top: number): number {
  doc.font('regular').fontSize(TABLE_FONT_SIZE);
  // Room for the header and one line of a row, or the table starts on the next page.
  if (top + 2 * (doc.currentLineHeight(true) + 2 * ROW_PADDING) > CONTENT_BOTTOM) {
    doc.addPage();
    top = MARGIN.top;
  }
  let y = drawTableHeader(doc, top);
  let rowsOnPage = 0;
  doc.font('regular').fontSize(TABLE_FONT_SIZE);
  for (const line of invoice.lines) {
    const cells = [
      { text: line.dt, column: COLUMNS.date, align: 'left' as const },
      { text: line.type, column: COLUMNS.type, align: 'left' as const },
      { text: breakable(line.notes ?? ''), column: COLUMNS.notes, align: 'left' as const },
      { text: line.amount, column: COLUMNS.amount, align: 'right' as const },
    ];
    let height = Math.max(...cells.map((cell) => doc.heightOfString(cell.text, { width: cell.column.width })));
    if (y + height + 2 * ROW_PADDING > CONTENT_BOTTOM && rowsOnPage > 0) {
      doc.addPage();
      y = drawTableHeader(doc, MARGIN.top);
      rowsOnPage = 0;
      doc.font('regular').fontSize(TABLE_FONT_SIZE);
    }
    // A row taller than what is left of a page of its own (notes of thousands of words) is cut there, with an ellipsis.
    height = Math.min(height, CONTENT_BOTTOM - y - 2 * ROW_PADDING);
    for (const cell of cells) {
      if (cell.text === '') continue;
      doc.text(cell.text, cell.column.x, y + ROW_PADDING, { width: cell.column.width, height, align: cell.align, ellipsis: true });
    }
    y += height + 2 * ROW_PADDING;
    rowsOnPage++;
    doc.save().lineWidth(0.5).strokeColor(RULE).moveTo(MARGIN.left, y).lineTo(MARGIN.left + CONTENT_WIDTH, y).stroke().restore();
  }
  return y;
}

function drawTableHeader(doc: PDFKit.PDFDocument, y: number): number {
  doc.font('bold').fontSize(TABLE_FONT_SIZE).fillColor('black');
  const height = doc.currentLineHeight() + 2 * ROW_PADDING + 1;
  const options = (width: number, align: 'left' | 'right') => ({ width, align, lineBreak: false });
  doc.text('Date', COLUMNS.date.x, y + ROW_PADDING, options(COLUMNS.date.width, 'left'));
  doc.text('Type', COLUMNS.type.x, y + ROW_PADDING, options(COLUMNS.type.width, 'left'));
  doc.text('Notes', COLUMNS.notes.x, y + ROW_PADDING, options(COLUMNS.notes.width, 'left'));
  doc.text('Amount', COLUMNS.amount.x, y + ROW_PADDING, options(COLUMNS.amount.width, 'right'));
  doc.save().lineWidth(1).strokeColor('black').moveTo(MARGIN.left, y + height).lineTo(MARGIN.left + CONTENT_WIDTH, y + height).stroke().restore();
  return y + height;
}

function drawTotalAndNotes(doc: PDFKit.PDFDocument, invoice: InvoiceDocument, y: number): void {
  doc.font('bold').fontSize(12).fillColor('black');
  if (y + 12 + doc.currentLineHeight() > CONTENT_BOTTOM) {
    doc.addPage();
    y = MARGIN.top;
  } else {
    y += 12;
  }
  doc.text(`Total: ${invoice.total} ${invoice.currency}`, MARGIN.left, y, { width: CONTENT_WIDTH, align: 'right' });
  if (!invoice.notes) return;

  doc.font('bold').fontSize(10);
  y = doc.y + 18;
  if (y + 3 * doc.currentLineHeight() > CONTENT_BOTTOM) {
    doc.addPage();
    y = MARGIN.top;
  }
  doc.text('Notes', MARGIN.left, y, { width: CONTENT_WIDTH });
  // Notes longer than the page flow onto the next ones (pdfkit adds them).
  doc.font('regular').fontSize(10).text(breakable(invoice.notes), { width: CONTENT_WIDTH });
}

/** "Page n of m" at the foot of every page, once all pages exist. */
function drawPageNumbers(doc: PDFKit.PDFDocument): void {
  const { start, count } = doc.bufferedPageRange();
  doc.font('regular').fontSize(8).fillColor(GREY);
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    // Below the bottom margin: lifted for the footer, or pdfkit would start a new page.
    doc.page.margins.bottom = 0;
    doc.text(`Page ${i + 1} of ${count}`, MARGIN.left, A4.height - MARGIN.bottom / 2 - 4, {
      width: CONTENT_WIDTH,
      align: 'right',
      lineBreak: false,
    });
    doc.page.margins.bottom = MARGIN.bottom;
  }
}

/** The invoice date as the creation date: `YYYY-MM-DD` at its start, at midnight UTC; else the epoch. */
function creationDate(invoiceDt: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(invoiceDt);
  return new Date(match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : 0);
}

/** The whole output in one ArrayBuffer of its own (never Node's shared pool: the worker transfers it). */
function collect(doc: PDFKit.PDFDocument): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('error', reject);
    doc.on('end', () => {
      const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
      resolve(bytes);
    });
  });
}

/**
 * Text with a zero-width space after every 24 characters of a longer word: pdfkit breaks a word
 * wider than its column one character at a time, measuring the whole rest each time, so a
 * 10,000-character word costs seconds; given break opportunities it wraps in one pass.
 */
export function breakable(text: string): string {
  return text.replace(/\S{25,}/gu, (word) => word.match(/\S{1,24}/gu)!.join('\u200b'));
}
