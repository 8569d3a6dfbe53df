/** Loopback TCP helpers for the toxiproxy tests: upstream servers and a byte-collecting client. */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TestTcpServer {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a free port; every accepted socket goes to `handle`. */
export async function startTcpServer(handle: (socket: Socket) => void): Promise<TestTcpServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Echoes every byte back; ends when the client ends. */
export function startEchoServer(): Promise<TestTcpServer> {
  return startTcpServer((socket) => {
    socket.pipe(socket);
  });
}

/** Sends `payload` to each client, then closes its side (FIN). */
export function startSendAndCloseServer(payload: Buffer): Promise<TestTcpServer> {
  return startTcpServer((socket) => {
    socket.end(payload);
  });
}

export interface ClientOutcome {
  /** Bytes received before the connection ended. */
  readonly received: Buffer;
  /** `end` for a FIN, otherwise the socket error code (e.g. ECONNRESET). */
  readonly how: string;
  /** Date.now() when the end or error arrived. */
  readonly atMs: number;
}

/** A client socket that records everything it receives and how the connection ended. */
export class TestClient {
  private readonly chunks: Buffer[] = [];
  private receivedBytes = 0;
  private waiters: (() => void)[] = [];
  readonly outcome: Promise<ClientOutcome>;
  readonly connected: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.connected = new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    this.outcome = new Promise((resolve) => {
      let errorCode: string | undefined;
      socket.on('error', (error: NodeJS.ErrnoException) => {
        errorCode = error.code ?? error.message;
      });
      socket.on('data', (chunk: Buffer) => {
        this.chunks.push(chunk);
        this.receivedBytes += chunk.length;
        this.notify();
      });
      const finish = (how: string): void => {
        resolve({ received: this.received(), how, atMs: Date.now() });
        this.notify();
      };
      socket.on('end', () => finish('end'));
      socket.on('close', () => finish(errorCode ?? 'close'));
    });
  }

  static async connect(port: number): Promise<TestClient> {
    const client = new TestClient(connect({ host: '127.0.0.1', port, allowHalfOpen: true }));
    await client.connected;
    return client;
  }

  received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Resolves once `bytes` bytes arrived; rejects after `timeoutMs`. */
  waitForBytes(bytes: number, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out after ${timeoutMs} ms with ${this.receivedBytes}/${bytes} bytes`));
      }, timeoutMs);
      const check = (): void => {
        if (this.receivedBytes >= bytes) {
          clearTimeout(timer);
          resolve(this.received());
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** Resolves with the error code of a connection attempt (e.g. ECONNREFUSED), or `connected`. */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Milliseconds to sleep in tests that need to prove that nothing happens. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Port part of a `host:port` listen address. */
export function portOf(listen: string): number {
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no port in ${listen}`);
  return port;
}
