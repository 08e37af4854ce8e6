import type { Server } from 'node:http';
import type { Socket } from 'node:net';

type WriteCallback = (error?: Error | null) => void;
interface HeldWrite {
  readonly socket: Socket;
  readonly send: () => void;
}

type Stream = Socket & {
  _write(chunk: unknown, encoding: BufferEncoding, callback: WriteCallback): void;
  _writev(chunks: unknown[], callback: WriteCallback): void;
  _destroy(error: Error | null, callback: WriteCallback): void;
};

/**
 * Writes to a connection that sleeps waiting for its answer wake the other side: on a virtual
 * machine each such wake-up costs more than the answer's own work (measured: a quarter of the
 * server's CPU per request on this project's hot path). So a socket write made while the event
 * loop serves a batch of ready connections is held, and every held write leaves at the end of
 * that turn (`setImmediate`), one after the other: the peers are woken once per turn, not once
 * per answer. Nothing is reordered (each socket's writes keep their order; a socket issues its
 * next write only once the held one calls back) and an answer waits at most the rest of one turn.
 * A socket destroyed right after a write (Node's answer to a malformed request) sends its held writes first.
 */
export class WriteCoalescer {
  private held: HeldWrite[] = [];

  private readonly flush = (): void => {
    const writes = this.held;
    this.held = [];
    for (const write of writes) write.send();
  };

  /** Holds every write of `socket` until the end of the current turn of the event loop. */
  attach(socket: Socket): void {
    const stream = socket as Stream;
    const write = stream._write;
    const writev = stream._writev;
    const destroy = stream._destroy;
    stream._write = (chunk, encoding, callback) => this.hold(stream, () => write.call(stream, chunk, encoding, callback), callback);
    stream._writev = (chunks, callback) => this.hold(stream, () => writev.call(stream, chunks, callback), callback);
    stream._destroy = (error, callback) => {
      this.sendNow(stream);
      destroy.call(stream, error, callback);
    };
  }

  private hold(socket: Socket, write: () => void, callback: WriteCallback): void {
    const send = () => {
      try {
        write();
      } catch (error) {
        callback(error as Error);
      }
    };
    if (this.held.push({ socket, send }) === 1) setImmediate(this.flush);
  }

  /** Sends what `socket` holds at once (it is being destroyed). */
  private sendNow(socket: Socket): void {
    if (!this.held.some((write) => write.socket === socket)) return;
    const mine = this.held.filter((write) => write.socket === socket);
    this.held = this.held.filter((write) => write.socket !== socket);
    for (const write of mine) write.send();
  }
}

/** Every connection `server` accepts from now on has its writes coalesced per turn of the event loop. */
export function coalesceWrites(server: Server): void {
  const coalescer = new WriteCoalescer();
  server.on('connection', (socket: Socket) => coalescer.attach(socket));
}
