/**
 * Every bound of the built-in Toxiproxy server, in one place. Real Toxiproxy has few limits;
 * these are generous enough for a test cluster and stop a runaway client from exhausting memory.
 */
export interface ToxiproxyLimits {
  /** Proxies the server holds at once (POST /proxies and /populate beyond it get 400). */
  readonly proxiesMax: number;
  /** Toxics on one proxy (both streams together). */
  readonly toxicsPerProxyMax: number;
  /** Open client connections per proxy; further clients are closed on accept. */
  readonly connectionsPerProxyMax: number;
  /** Bytes read from one side and not yet written to the other before reading pauses. */
  readonly linkBufferBytesMax: number;
  /** Largest HTTP request body the API reads. */
  readonly requestBodyBytesMax: number;
  /** Largest value of any toxic attribute (milliseconds, bytes or KB/s). */
  readonly toxicAttributeMax: number;
  /** How long dialing the upstream may take before the client is closed. */
  readonly upstreamConnectTimeoutMs: number;
  /** How long a gracefully closing connection may take to flush before it is destroyed. */
  readonly closeFlushTimeoutMs: number;
}

export const defaultToxiproxyLimits: ToxiproxyLimits = {
  proxiesMax: 1024,
  toxicsPerProxyMax: 64,
  connectionsPerProxyMax: 4096,
  linkBufferBytesMax: 1024 * 1024,
  requestBodyBytesMax: 1024 * 1024,
  toxicAttributeMax: 2 ** 31 - 1,
  upstreamConnectTimeoutMs: 10_000,
  closeFlushTimeoutMs: 5_000,
};

export function validateLimits(limits: ToxiproxyLimits): ToxiproxyLimits {
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`toxiproxy limit ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return limits;
}
