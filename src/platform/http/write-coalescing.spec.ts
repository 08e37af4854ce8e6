import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { coalesceWrites, WriteCoalescer } from './write-coalescing';

/** A socket as the coalescer sees it: its two write methods record what reaches the wire. */
function fakeSocket(name: string, wire: string[]) {
  return {
    _write(chunk: string, _encoding: BufferEncoding, callback: () => void) {
      wire.push(`${name}:${chunk}`);
      callback();
    },
    _writev(chunks: { chunk: string }[], callback: () => void) {
      wire.push(`${name}:${chunks.map((entry) => entry.chunk).join('+')}`);
      callback();
    },
  };
}

const nextTurn = () => new Promise<void>((done) => setImmediate(done));

describe('WriteCoalescer', () => {
  it('holds the writes of one turn and sends them at its end, in the order they were made', async () => {
    const wire: string[] = [];
    const coalescer = new WriteCoalescer();
    const a = fakeSocket('a', wire);
    const b = fakeSocket('b', wire);
    coalescer.attach(a as unknown as Socket);
    coalescer.attach(b as unknown as Socket);
    const called: string[] = [];

    a._write('1', 'utf8', () => called.push('a1'));
    b._writev([{ chunk: 'head' }, { chunk: 'body' }], () => called.push('b'));
    a._write('2', 'utf8', () => called.push('a2'));
    expect(wire).toEqual([]);
    expect(called).toEqual([]);

    await nextTurn();
    expect(wire).toEqual(['a:1', 'b:head+body', 'a:2']);
    expect(called).toEqual(['a1', 'b', 'a2']);

    b._write('next', 'utf8', () => called.push('b2'));
    await nextTurn();
    expect(wire).toEqual(['a:1', 'b:head+body', 'a:2', 'b:next']);
    expect(called).toEqual(['a1', 'b', 'a2', 'b2']);
  });

  it('hands a write that throws to its own callback and still sends the others', async () => {
    const wire: string[] = [];
    const coalescer = new WriteCoalescer();
    const broken = {
      _write(_chunk: string, _encoding: BufferEncoding, _callback: (error: Error) => void): void {
        throw new Error('socket gone');
      },
      _writev(): void {
        throw new Error('socket gone');
      },
    };
    const fine = fakeSocket('fine', wire);
    coalescer.attach(broken as unknown as Socket);
    coalescer.attach(fine as unknown as Socket);
    const errors: string[] = [];

    broken._write('x', 'utf8', (error) => errors.push(error.message));
    fine._write('y', 'utf8', () => undefined);
    await nextTurn();
    expect(errors).toEqual(['socket gone']);
    expect(wire).toEqual(['fine:y']);
  });
});

describe('coalesceWrites on a Node server', () => {
  let server: Server;
  afterEach(() => new Promise<void>((done) => server.close(() => done())));

  it('answers keep-alive requests on many connections with every byte, each on its own connection', async () => {
    server = createServer((request, response) => response.end(`answer to ${request.url}`));
    coalesceWrites(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const get = (path: string) =>
      new Promise<string>((done, fail) =>
        httpRequest({ host: '127.0.0.1', port, path }, (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => done(text));
        })
          .on('error', fail)
          .end(),
      );
    const paths = Array.from({ length: 40 }, (_, i) => `/${i}`);
    expect(await Promise.all(paths.map(get))).toEqual(paths.map((path) => `answer to ${path}`));
  });

  it("sends a socket's held write before the socket is destroyed: Node's 400 to a malformed request arrives", async () => {
    server = createServer((_request, response) => response.end('never'));
    coalesceWrites(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const raw = await new Promise<string>((done, fail) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('error', fail);
      socket.on('close', () => done(text));
      socket.end('GET / HTTP/1.1\r\nHost localhost\r\n\r\n');
    });
    expect(raw).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
});
