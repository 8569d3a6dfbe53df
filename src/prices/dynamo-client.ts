import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoClientOptions {
  /** e.g. `http://127.0.0.1:8000` (dynalite) or a real regional endpoint. */
  endpoint: string;
  region: string;
  /** Per-attempt bound, ms. */
  requestTimeoutMs: number;
}

/** Loopback endpoints (dynalite) get dummy static credentials; others use the SDK's chain. */
export function isLocalEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || host === '::1' || host.startsWith('127.');
}

/**
 * On Node < 22 the SDK warns, at every client's construction, that releases published after
 * January 2027 will need Node 22. Bazaar runs on Node 20 with the SDK pinned (exact version in
 * package.json, package-lock.json), so the warning is about releases it does not take; it is
 * turned off here (the SDK's own switch) unless the environment says otherwise.
 */
export const SDK_NODE_WARNING_ENV = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

export function createDynamoClient(options: DynamoClientOptions): DynamoDBClient {
  process.env[SDK_NODE_WARNING_ENV] ??= 'true';
  let url: URL;
  try {
    url = new URL(options.endpoint);
  } catch {
    throw new Error(`DYNAMODB_ENDPOINT must be a URL like http://127.0.0.1:8000, got "${options.endpoint}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`DYNAMODB_ENDPOINT must be http(s), got "${options.endpoint}"`);
  }
  return new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region,
    maxAttempts: 3,
    requestHandler: { requestTimeout: options.requestTimeoutMs, connectionTimeout: options.requestTimeoutMs },
    ...(isLocalEndpoint(options.endpoint) ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}
