/**
 * `npm run cluster -- <command>`: operate a running launcher (see CLI_USAGE). Exit code 0 on
 * success, 1 on a failed operation, 2 on a usage error; the message says why.
 */
import { CLI_USAGE, parseCliArgs, type CliCommand, type CliInvocation } from './cli-args.js';
import { ClusterControl } from './cluster-control.js';
import { memberAdd, memberList, memberPromote, memberRemove, membersTable } from './member-ops.js';
import { formatGroups } from './partition.js';
import { statusTable } from './tables.js';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function run(control: ClusterControl, command: Exclude<CliCommand, { kind: 'help' }>): Promise<void> {
  switch (command.kind) {
    case 'status': {
      const status = await control.status();
      say(command.json ? JSON.stringify(status, null, 2) : statusTable(status));
      return;
    }
    case 'kill':
    case 'start':
    case 'restart':
    case 'pause':
    case 'resume':
      await control[command.kind](command.node);
      say(`${command.kind} ${command.node}: done`);
      return;
    case 'transfer':
      await control.transfer(command.node);
      say(`leader is now ${command.node}`);
      return;
    case 'partition':
      say(`partitioned: ${formatGroups(await control.partition(command.spec))}`);
      return;
    case 'cut':
      await control.cutOneWay(command.from, command.to);
      say(`cut ${command.from}->${command.to} (one way)`);
      return;
    case 'clock':
      await control.setClockRate(command.node, command.rate);
      say(`${command.node}: restarted with its clock at x${command.rate}`);
      return;
    case 'heal':
      await control.heal();
      say('healed: every link enabled, toxics removed, exchange faults off');
      return;
    case 'leader':
      say(await control.leader(command.waitMs));
      return;
    case 'exchange':
      say(JSON.stringify(command.faults === 'reset' ? await control.exchangeReset(command.exchange) : await control.exchangeFaults(command.exchange, command.faults)));
      return;
    case 'redis-kill':
      await control.redisKill();
      say('redis: killed');
      return;
    case 'redis-restart':
      await control.redisRestart();
      say('redis: running');
      return;
    case 'member':
      return runMember(control, command);
  }
}

async function runMember(control: ClusterControl, command: Extract<CliCommand, { kind: 'member' }>): Promise<void> {
  if (command.op === 'list') {
    const list = await memberList(control);
    say(command.json ? JSON.stringify(list, null, 2) : membersTable(list));
    return;
  }
  if (command.op === 'add') {
    const added = await memberAdd(control, command.node);
    say(`${command.node}: started and added as a learner at ${added.grpcAddress} (configuration index ${added.index}); promote it once caught up`);
    return;
  }
  const done = command.op === 'promote' ? await memberPromote(control, command.node) : await memberRemove(control, command.node);
  say(`${command.op} ${command.node}: committed at index ${done.index}`);
}

async function main(): Promise<void> {
  let invocation: CliInvocation;
  try {
    invocation = parseCliArgs(process.argv.slice(2), process.cwd());
  } catch (error) {
    process.stderr.write(`cluster: ${(error as Error).message}\n${CLI_USAGE}\n`);
    process.exit(2);
  }
  const { command } = invocation;
  if (command.kind === 'help') {
    say(CLI_USAGE);
    return;
  }
  try {
    const control = await ClusterControl.attach(invocation.dataDir);
    await run(control, command);
  } catch (error) {
    process.stderr.write(`cluster ${command.kind}: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

void main();
