/**
 * docker-compose.yml must match what the code reads: service names, ports (DESIGN §7),
 * environment variables (src/config/env-names.ts), Toxiproxy-routed node links
 * (deploy/toxiproxy.json), Prometheus targets and the dashboard's metric names
 * (deploy/METRICS.md). If `docker-compose` is on PATH, `docker-compose config -q` must pass.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExchangeEnv, NodeEnv } from '../../src/config/env-names.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Record<string, unknown>;
  volumes?: string[];
  profiles?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  [key: string]: unknown;
}
interface ToxiproxyEntry {
  name: string;
  listen: string;
  upstream: string;
  enabled?: boolean;
}

/** Generated per run: compose must take its secrets from the environment, never carry its own. */
const secrets = { CLUSTER_TOKEN: randomBytes(24).toString('hex'), REDIS_PASSWORD: randomBytes(24).toString('hex') } as const;

/** docker-compose's `${VAR}`, `${VAR:-default}`, `${VAR:?message}` and `$$` (enough for this file). */
function interpolate(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (name === undefined) return whole;
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (op === ':-') return arg ?? '';
    if (op === ':?') throw new Error(`${name}: ${arg ?? ''}`);
    return '';
  });
}

const composeText = read('docker-compose.yml');
const compose = parse(interpolate(composeText, secrets), { merge: true }) as ComposeFile;
const toxiproxyConfig = JSON.parse(read('deploy/toxiproxy.json')) as ToxiproxyEntry[];

/** DESIGN §7. */
const nodes = { n1: { http: 8080, grpc: 9080 }, n2: { http: 8180, grpc: 9180 }, n3: { http: 8280, grpc: 9280 } } as const;
const exchanges = { ex1: 8081, ex2: 8082, ex3: 8083 } as const;
const infrastructure = { redis: 6379, dynamodb: 8000, toxiproxy: 8474 } as const;
type NodeId = keyof typeof nodes;
const nodeIds = Object.keys(nodes) as NodeId[];
/** Membership (docs/membership.md): a node started only with `--profile grow`, joining as a learner. */
const growNode = { id: 'n4', http: 8380, grpc: 9380 } as const;

/** Read by libraries rather than by Bazaar's own config (the AWS SDK credential chain). */
const libraryEnv = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);

function service(name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function env(name: string): Record<string, string> {
  return service(name).environment ?? {};
}

function envValue(name: string, key: string): string {
  const value = env(name)[key];
  if (value === undefined) throw new Error(`service ${name} does not set ${key}`);
  return String(value);
}

function hostPort(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(':');
  return { host: address.slice(0, index), port: Number(address.slice(index + 1)) };
}

function parsePeers(value: string): Map<string, string> {
  return new Map(value.split(',').map((entry) => entry.split('=') as [string, string]));
}

describe('docker-compose.yml', () => {
  it('has every service, and no keys docker-compose v1.29 rejects', () => {
    const expected = [...nodeIds, growNode.id, ...Object.keys(exchanges), ...Object.keys(infrastructure), 'prometheus', 'grafana'];
    expect(Object.keys(compose.services).sort()).toEqual(expected.sort());
    expect(compose).not.toHaveProperty('name');
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.healthcheck, `${name} healthcheck`).toBeDefined();
      expect(svc.healthcheck ?? {}, `${name} healthcheck`).not.toHaveProperty('start_interval');
    }
  });

  it('sets exactly the environment variables the node and exchange code read', () => {
    const nodeNames = new Set<string>(Object.values(NodeEnv));
    const exchangeNames = new Set<string>(Object.values(ExchangeEnv));
    for (const id of [...nodeIds, growNode.id]) {
      const keys = Object.keys(env(id));
      expect(keys.filter((key) => !nodeNames.has(key) && !libraryEnv.has(key)), `${id}: unknown variables`).toEqual([]);
      expect([...nodeNames].filter((key) => !keys.includes(key)), `${id}: missing variables`).toEqual([]);
      expect(envValue(id, NodeEnv.NODE_ID)).toBe(id);
    }
    for (const id of Object.keys(exchanges)) {
      const keys = Object.keys(env(id));
      expect(keys.filter((key) => !exchangeNames.has(key)), `${id}: unknown variables`).toEqual([]);
      expect([...exchangeNames].filter((key) => !keys.includes(key)), `${id}: missing variables`).toEqual([]);
      expect(envValue(id, ExchangeEnv.EXCHANGE_ID)).toBe(id);
    }
  });

  it('uses the ports of DESIGN §7 and publishes only node HTTP and Grafana, on 127.0.0.1', () => {
    for (const id of nodeIds) {
      expect(Number(envValue(id, NodeEnv.HTTP_PORT))).toBe(nodes[id].http);
      expect(Number(envValue(id, NodeEnv.GRPC_PORT))).toBe(nodes[id].grpc);
      expect(service(id).ports).toEqual([`127.0.0.1:${nodes[id].http}:${nodes[id].http}`]);
    }
    for (const [id, port] of Object.entries(exchanges)) expect(Number(envValue(id, ExchangeEnv.EXCHANGE_PORT))).toBe(port);
    const published = Object.entries(compose.services).filter(([, svc]) => (svc.ports ?? []).length > 0);
    expect(published.map(([name]) => name).sort()).toEqual([...nodeIds, growNode.id, 'grafana'].sort());
    expect(service(growNode.id).profiles).toEqual(['grow']);
    expect(envValue(growNode.id, NodeEnv.RAFT_JOIN)).toBe('true');
    expect(Number(envValue(growNode.id, NodeEnv.GRPC_PORT))).toBe(growNode.grpc);
    expect(service(growNode.id).ports).toEqual([`127.0.0.1:${growNode.http}:${growNode.http}`]);
    for (const id of nodeIds) expect(envValue(id, NodeEnv.RAFT_JOIN)).toBe('false');
    for (const [name, svc] of published) for (const port of svc.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
  });

  it('has no fixed secret: token and Redis password come from the environment, Redis requires it', () => {
    for (const name of Object.keys(secrets)) {
      const uses = [...composeText.matchAll(new RegExp(`\\$\\{${name}(:[-?][^}]*)?\\}`, 'g'))].map((match) => match[1] ?? '');
      expect(uses.length, name).toBeGreaterThan(0);
      expect(uses.every((op) => op.startsWith(':?')), `${name} must be required (\${${name}:?...}), never defaulted`).toBe(true);
    }
    expect(() => interpolate(composeText, { CLUSTER_TOKEN: secrets.CLUSTER_TOKEN })).toThrow(/REDIS_PASSWORD/);
    for (const id of nodeIds) {
      expect(envValue(id, NodeEnv.CLUSTER_TOKEN)).toBe(secrets.CLUSTER_TOKEN);
      expect(decodeURIComponent(new URL(envValue(id, NodeEnv.REDIS_URL)).password)).toBe(secrets.REDIS_PASSWORD);
    }
    for (const id of Object.keys(exchanges)) expect(envValue(id, ExchangeEnv.EXCHANGE_FAULT_TOKEN)).toBe(secrets.CLUSTER_TOKEN);
    const redis = service('redis');
    expect(redis.environment?.['REDIS_PASSWORD']).toBe(secrets.REDIS_PASSWORD);
    expect(redis.command?.join(' ')).toMatch(/requirepass/);
    expect(JSON.stringify(redis.healthcheck)).toContain('REDISCLI_AUTH');
    expect(service('grafana').environment?.['GF_AUTH_DISABLE_LOGIN_FORM']).toBe('true');
  });

  it('points every node at the exchanges, Redis and DynamoDB services', () => {
    const exchangeUrls = Object.entries(exchanges).map(([id, port]) => `http://${id}:${port}`);
    for (const id of nodeIds) {
      expect(envValue(id, NodeEnv.EXCHANGE_URLS).split(',')).toEqual(exchangeUrls);
      const redis = new URL(envValue(id, NodeEnv.REDIS_URL));
      expect([redis.hostname, Number(redis.port)]).toEqual(['redis', infrastructure.redis]);
      const dynamo = new URL(envValue(id, NodeEnv.DYNAMODB_ENDPOINT));
      expect([dynamo.hostname, Number(dynamo.port)]).toEqual(['dynamodb', infrastructure.dynamodb]);
      const peerHttp = parsePeers(envValue(id, NodeEnv.PEER_HTTP));
      for (const peer of nodeIds) expect(Number(new URL(peerHttp.get(peer) ?? 'x:').port)).toBe(nodes[peer].http);
    }
  });

  it('routes every node-to-node link through its own Toxiproxy proxy to the right gRPC port', () => {
    const byName = new Map(toxiproxyConfig.map((entry) => [entry.name, entry]));
    expect(toxiproxyConfig).toHaveLength(nodeIds.length * (nodeIds.length - 1));
    for (const from of nodeIds) {
      const peers = parsePeers(envValue(from, NodeEnv.PEERS));
      expect([...peers.keys()].sort()).toEqual([...nodeIds].sort());
      expect(peers.get(from)).toBe(`${from}:${nodes[from].grpc}`);
      for (const to of nodeIds.filter((id) => id !== from)) {
        const proxy = byName.get(`${from}_to_${to}`);
        if (proxy === undefined) throw new Error(`deploy/toxiproxy.json lacks ${from}_to_${to}`);
        expect(proxy.upstream).toBe(`${to}:${nodes[to].grpc}`);
        expect(proxy.enabled ?? true).toBe(true);
        expect(peers.get(to)).toBe(`toxiproxy:${hostPort(proxy.listen).port}`);
      }
    }
    const ports = toxiproxyConfig.map((entry) => hostPort(entry.listen).port);
    expect(new Set(ports).size).toBe(ports.length);
    const toxiproxy = service('toxiproxy');
    expect(toxiproxy.volumes?.some((volume) => volume.startsWith('./deploy/toxiproxy.json:'))).toBe(true);
    expect(toxiproxy.command?.some((arg) => arg.startsWith('-config='))).toBe(true);
  });

  it('starts nodes only after their healthy dependencies, with the entry points of package.json', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    // `node [flags] dist/x.js` runs what `tsx [flags] x.ts` runs.
    const sourceOf = (command: string[] | undefined): string =>
      (command ?? []).slice(1).map((arg) => arg.replace(/^dist\//, '').replace(/\.js$/, '.ts')).join(' ');
    for (const id of nodeIds) {
      for (const dependency of ['redis', 'dynamodb', 'toxiproxy', ...Object.keys(exchanges)]) {
        expect(service(id).depends_on?.[dependency]?.condition, `${id} -> ${dependency}`).toBe('service_healthy');
      }
      expect(scripts['node']).toBe(`tsx ${sourceOf(service(id).command)}`);
    }
    for (const id of Object.keys(exchanges)) expect(scripts['exchange']).toBe(`tsx ${sourceOf(service(id).command)}`);
  });

  it('has Prometheus scrape exactly the node services', () => {
    const config = parse(read('deploy/prometheus.yml')) as {
      scrape_configs: { static_configs: { targets: string[]; labels?: Record<string, string> }[] }[];
    };
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((group) => group.targets));
    expect(targets.sort()).toEqual(nodeIds.map((id) => `${id}:${nodes[id].http}`).sort());
  });

  it('has the dashboard query only metrics listed in deploy/METRICS.md', () => {
    const metricsDoc = read('deploy/METRICS.md');
    const listed = new Set([...metricsDoc.matchAll(/^\| `([a-z_]+)`/gm)].map((match) => match[1]));
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/bazaar.json')) as { panels: { targets: { expr: string }[] }[] };
    const used = new Set(
      dashboard.panels
        .flatMap((panel) => panel.targets.map((target) => target.expr))
        .flatMap((expr) => [...expr.matchAll(/\b(bazaar_[a-z_]+|http_[a-z_]+)/g)].map((match) => match[1] ?? ''))
        .map((name) => name.replace(/_(bucket|count|sum)$/, '')),
    );
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !listed.has(name))).toEqual([]);
  });

  it('passes `docker-compose config -q` with the secrets set, and refuses to start without them', () => {
    const probe = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
    if (probe.error !== undefined) {
      console.log('docker-compose not on PATH: skipped `docker-compose config -q` (CI installs it)');
      return;
    }
    const config = (env: NodeJS.ProcessEnv) =>
      spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, encoding: 'utf8', timeout: 60_000, env });
    const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !(key in secrets)));
    const result = config({ ...base, ...secrets });
    expect(result.status, `docker-compose config -q: ${result.stderr}`).toBe(0);
    for (const missing of Object.keys(secrets)) {
      const refused = config({ ...base, ...secrets, [missing]: '' });
      expect(refused.status, `without ${missing}`).not.toBe(0);
      expect(refused.stderr).toContain(`set ${missing} first`);
    }
  });
});
