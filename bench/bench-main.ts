/**
 * `npm run bench -- <scenario> [options]`: run one scenario against a Bazaar cluster and write
 * bench/results/<time>/report.{md,json}. See BENCH_USAGE and bench/README.md.
 */
import { mkdir } from 'node:fs/promises';
import { scenarioContext, renderReport, saveReport } from './bench-context.js';
import { openCluster } from './cluster-handle.js';
import { machineInfo } from './load/report.js';
import { BENCH_USAGE, parseBenchArgs } from './options.js';
import { SCENARIOS, scenarioByName } from './scenarios/index.js';

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  if (options.list || options.help || options.scenario === null) {
    process.stdout.write(`${BENCH_USAGE}\n\nscenarios:\n${SCENARIOS.map((s) => `  ${s.name.padEnd(16)} ${s.description}`).join('\n')}\n`);
    if (options.scenario === null && !options.list && !options.help) process.exitCode = 2;
    return;
  }
  const scenario = scenarioByName(options.scenario);
  if (options.proxy === 'both') throw new Error('--proxy both is for bench:compare; a scenario runs with --proxy on (default) or off');
  process.stderr.write(`[bench] ${scenario.name}: seed ${options.seed}${options.smoke ? ' (smoke)' : ''}; ${options.attach ? `attached to ${options.targets.join(', ')}` : `starting a cluster (${options.basePort === null ? 'free ports' : `base port ${options.basePort}`})`}\n`);
  // The nodes write their profiles there when they stop; a missing directory loses them silently.
  if (options.cpuProfDir !== null) await mkdir(options.cpuProfDir, { recursive: true });
  const cluster = await openCluster({
    attach: options.attach,
    targets: options.targets,
    exchangeUrls: options.exchangeUrls,
    basePort: options.basePort,
    cacheEnabled: options.cache,
    cpuProfDir: options.cpuProfDir,
    noProxy: options.proxy === 'off',
  });
  try {
    const ctx = await scenarioContext(options, cluster);
    const outcome = await scenario.run(ctx);
    const machine = machineInfo();
    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
    const markdown = renderReport(`Bazaar bench: ${scenario.name}`, command, machine, options.seed, [{ title: scenario.name, outcome }]);
    process.stdout.write(`${markdown}\n`);
    await saveReport(options, markdown, { kind: 'bench', scenario: scenario.name, command, machine, options, outcome });
  } finally {
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
