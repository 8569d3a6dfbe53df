import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (for servers that cannot listen on port 0 themselves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read a free port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
