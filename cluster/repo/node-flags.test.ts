/**
 * Every way of starting a Bazaar node runs it with the same V8 flags (src/node/node-v8-flags.ts):
 * the launcher's child spec, `npm run node`, the Dockerfile's CMD and every node service of
 * docker-compose.yml. The test harness imports the list itself.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE_V8_FLAGS } from '../../src/node/node-v8-flags.js';
import { nodeSpec, type NodeWiring } from '../launcher-services.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');
const NODE_MAIN_JS = 'dist/src/node/node-main.js';
const WIRING: NodeWiring = {
  id: 'n1',
  httpPort: 8080,
  grpcPort: 9080,
  peers: new Map([['n1', '127.0.0.1:9080']]),
  peerHttp: new Map([['n1', 'http://127.0.0.1:8080']]),
  clusterId: 'c',
  clusterToken: 't',
  dataDir: '/tmp/n1',
  redisUrl: null,
  dynamodbEndpoint: 'http://127.0.0.1:8000',
  exchangeUrls: [],
  symbolsFile: '/tmp/symbols.csv',
  logLevel: 'info',
  tickMs: null,
  extraEnv: {},
};

/** JSON-array commands (`CMD [...]`, `command: [...]`) that run the compiled node main. */
function nodeCommands(text: string): string[][] {
  return [...text.matchAll(/\[("node"[^\]]*)\]/g)]
    .map((match) => JSON.parse(`[${match[1]}]`) as string[])
    .filter((argv) => argv.includes(NODE_MAIN_JS));
}

describe('node V8 flags', () => {
  it('names at least one flag, each a long option', () => {
    expect(NODE_V8_FLAGS.length).toBeGreaterThan(0);
    for (const flag of NODE_V8_FLAGS) expect(flag).toMatch(/^--[a-z][a-z0-9-]*(=\S+)?$/);
  });

  it('the launcher starts nodes with the flags before the script', () => {
    const spec = nodeSpec(WIRING, '/tmp');
    const script = spec.args.findIndex((arg) => arg.endsWith('node-main.ts'));
    expect(script).toBeGreaterThan(0);
    expect(spec.args.slice(0, NODE_V8_FLAGS.length)).toEqual([...NODE_V8_FLAGS]);
  });

  it('npm run node passes the flags to node through tsx', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['node']).toBe(`tsx ${NODE_V8_FLAGS.join(' ')} src/node/node-main.ts`);
  });

  it('the Dockerfile CMD and every docker-compose node command carry the flags', () => {
    const commands = [...nodeCommands(read('Dockerfile')), ...nodeCommands(read('docker-compose.yml'))];
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const argv of commands) expect(argv).toEqual(['node', ...NODE_V8_FLAGS, NODE_MAIN_JS]);
  });
});
