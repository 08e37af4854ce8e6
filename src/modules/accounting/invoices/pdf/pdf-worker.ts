import { parentPort } from 'node:worker_threads';
import type { InvoiceDocument } from './invoice-document';
import { layOutInvoicePdf } from './invoice-layout';

/** What the pool sends: one document at a time. */
export interface RenderRequest {
  document: InvoiceDocument;
}

/** What the worker answers: the PDF's bytes (a transferred ArrayBuffer), or what it threw (cloned). */
export type RenderReply = { pdf: ArrayBuffer } | { error: unknown };

// The body of a worker thread started by PdfkitInvoiceRenderer; required anywhere else, it does nothing.
parentPort?.on('message', async ({ document }: RenderRequest) => {
  try {
    const pdf = await layOutInvoicePdf(document);
    parentPort!.postMessage({ pdf: pdf.buffer as ArrayBuffer } satisfies RenderReply, [pdf.buffer as ArrayBuffer]);
  } catch (thrown) {
    // Errors clone with their type, message and stack; anything else thrown goes as its text.
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    try {
      parentPort!.postMessage({ error } satisfies RenderReply);
    } catch {
      parentPort!.postMessage({ error: new Error(error.message) } satisfies RenderReply);
    }
  }
});
