import { reserveFreePort } from '../../raft/index.js';

/** A TCP port on 127.0.0.1 for servers that cannot listen on port 0 themselves (see raft/transport/free-port.ts). */
export const freePort = (): Promise<number> => reserveFreePort('127.0.0.1');
