import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InvoiceDocument, InvoicePdfRenderer } from './invoice-document';
import type { RenderReply, RenderRequest } from './pdf-worker';

/** Worker threads rendering at once; more renders wait in line. */
const POOL_SIZE = 2;

/**
 * Started instead of the worker's own file when this one runs as TypeScript (Jest, or
 * `node -r test/support/ts-register.js`): registers a .ts loader unless one is already there
 * (a `-r` in execArgv is inherited by workers), then requires the worker's .ts file.
 */
const TYPESCRIPT_WORKER = `
const { workerData } = require('node:worker_threads');
if (!require.extensions['.ts']) {
  const fs = require('node:fs');
  const ts = require(workerData.typescript);
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true };
  require.extensions['.ts'] = (module, fileName) => {
    const { outputText } = ts.transpileModule(fs.readFileSync(fileName, 'utf8'), { compilerOptions, fileName });
    module._compile(outputText, fileName);
  };
}
require(workerData.script);
`;

interface Job {
  document: InvoiceDocument;
  resolve(pdf: Buffer): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

/**
 * Renders invoices with pdfkit in worker threads, so a long invoice never holds up the event
 * loop. Workers start on the first render, are replaced when one dies, never keep the process
 * alive while idle, and stop with the module.
 */
@Injectable()
export class PdfkitInvoiceRenderer extends InvoicePdfRenderer implements OnModuleDestroy {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;

  render(document: InvoiceDocument): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('The invoice PDF renderer has stopped'));
    return new Promise((resolve, reject) => {
      this.queue.push({ document, resolve, reject });
      this.dispatch();
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const stopped = new Error('The invoice PDF renderer has stopped');
    for (const job of this.queue.splice(0)) job.reject(stopped);
    const slots = this.slots.splice(0);
    for (const slot of slots) slot.job?.reject(stopped);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((candidate) => candidate.job === null) ?? (this.slots.length < POOL_SIZE ? this.spawn() : undefined);
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      // Held while busy, so a render in flight keeps the process up; unref'd again once idle.
      slot.worker.ref();
      try {
        slot.worker.postMessage({ document: job.document } satisfies RenderRequest);
      } catch (error) {
        // A document that cannot be cloned (a function in it): this render fails, the worker stays.
        this.release(slot);
        job.reject(error as Error);
      }
    }
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startWorker(), job: null };
    slot.worker.unref();
    slot.worker.on('message', (reply: RenderReply) => {
      const job = slot.job;
      this.release(slot);
      if (job) {
        if ('pdf' in reply) job.resolve(Buffer.from(reply.pdf));
        else job.reject(reply.error as Error);
      }
      this.dispatch();
    });
    slot.worker.on('error', (error) => this.retire(slot, error));
    slot.worker.on('exit', (code) => this.retire(slot, new Error(`The invoice PDF worker stopped (exit code ${code})`)));
    this.slots.push(slot);
    return slot;
  }

  private release(slot: Slot): void {
    slot.job = null;
    slot.worker.unref();
  }

  /** A worker that died: its render fails, and the next render in line gets a new worker. */
  private retire(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    const job = slot.job;
    this.release(slot);
    job?.reject(error);
    void slot.worker.terminate();
    if (!this.closed) this.dispatch();
  }
}

/** The compiled worker beside this file (dist/), or, running as TypeScript, the .ts one through a loader. */
function startWorker(): Worker {
  const extension = extname(__filename);
  const script = join(__dirname, `pdf-worker${extension}`);
  if (extension !== '.ts') return new Worker(script);
  return new Worker(TYPESCRIPT_WORKER, { eval: true, workerData: { script, typescript: require.resolve('typescript') } });
}
