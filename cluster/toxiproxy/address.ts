import { isIPv6 } from 'node:net';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `host:port` / `[v6]:port` as Go's net.SplitHostPort would. An empty host means all
 * interfaces; `localhost` binds 127.0.0.1 as Go's listener does.
 */
export function parseHostPort(address: string): HostPort | undefined {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  if (match === null) return undefined;
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host, port };
}

export function listenHost(host: string): string {
  if (host === '' ) return '0.0.0.0';
  if (host === 'localhost') return '127.0.0.1';
  return host;
}

export function formatHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
