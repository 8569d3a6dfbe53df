import { isIP } from 'node:net';

/** The generator targets only this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** Parse and check a base URL: http(s), loopback host, explicit port, no path. Returns the origin. */
export function loopbackOrigin(raw: string, what = 'target'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${what} "${raw}" is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${what} "${raw}" must use http or https`);
  }
  if (!isLoopbackHost(url.hostname)) {
    throw new Error(`${what} "${raw}" is not a loopback address: the benchmark targets only 127.0.0.0/8, ::1 or localhost`);
  }
  if (url.pathname !== '/' || url.search !== '') {
    throw new Error(`${what} "${raw}" must be a base URL without path or query`);
  }
  return url.origin;
}
