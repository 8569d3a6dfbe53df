/** A node process that creates the DynamoDB client prints no AWS SDK Node-version warning. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SDK_NODE_WARNING_ENV } from './dynamo-client.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = `
  const { createDynamoClient } = await import('./src/prices/dynamo-client.ts');
  createDynamoClient({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', requestTimeoutMs: 100 }).destroy();
  console.log('client created');
`;

describe('createDynamoClient', () => {
  it('starts without the SDK Node-version warning (pinned SDK on Node 20)', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== SDK_NODE_WARNING_ENV));
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.stdout).toContain('client created');
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning|Warning/);
    expect(run.status).toBe(0);
  });
});
