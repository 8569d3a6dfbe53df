import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** `npm run cluster -- <command>`: parsed and validated once (pure). */
export type CliCommand =
  | { readonly kind: 'status'; readonly json: boolean }
  | { readonly kind: 'kill' | 'start' | 'restart' | 'pause' | 'resume' | 'transfer'; readonly node: string }
  | { readonly kind: 'partition'; readonly spec: string }
  | { readonly kind: 'cut'; readonly from: string; readonly to: string }
  | { readonly kind: 'clock'; readonly node: string; readonly rate: number }
  | { readonly kind: 'heal' | 'redis-kill' | 'redis-restart' }
  | { readonly kind: 'leader'; readonly waitMs: number }
  | { readonly kind: 'exchange'; readonly exchange: number; readonly faults: Record<string, unknown> | 'reset' }
  | { readonly kind: 'member'; readonly op: 'list'; readonly json: boolean }
  | { readonly kind: 'member'; readonly op: 'add' | 'promote' | 'remove'; readonly node: string }
  | { readonly kind: 'help' };

export interface CliInvocation {
  readonly dataDir: string;
  readonly command: CliCommand;
}

export const CLI_USAGE = `Usage: npm run cluster -- [--data-dir <dir>] <command>     (against a running npm start)
  status [--json]            node, pid, role, term, leader, commit/applied, up/down/paused, cut links
  kill <node>                SIGKILL            start <node>     start a stopped node
  restart <node>             SIGTERM, then start
  pause <node> / resume <node>   SIGSTOP / SIGCONT
  partition <groups>         e.g. "n1|n2,n3" (unnamed nodes form one more group) or isolate-leader
  cut <from> <to>            one-way: <from>'s messages to <to> are lost
  heal                       every link back, toxics removed, every exchange's faults off
  leader [--wait-ms <ms>]    print the leader id (waits up to 3000 ms by default)
  transfer <node>            hand leadership to <node>
  clock <node> <rate>        SIGKILL <node> and start it with its clocks at <rate> x real time (libfaketime); rate 1: real time again
  exchange <n> <fault-json>  e.g. exchange 2 '{"down":true}' (POST /mock/faults on exchange n; faults merge)
  exchange <n> reset         every fault of exchange n off (also done by heal)
  redis-kill / redis-restart the launcher's redis-server
  member list [--json]       members of the Raft configuration (voters, learners, addresses)
  member add <id>            start node <id> (fresh data dir) and add it as a learner
  member promote <id>        make a caught-up learner a voter (waits while it catches up)
  member remove <id>         remove a member (the leader too: it hands over once committed)
--data-dir defaults to ./data (where npm start keeps launcher.json).`;

export const LEADER_WAIT_MS_DEFAULT = 3_000;
const LEADER_WAIT_MS_MAX = 600_000;
const NODE_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

function node(name: string | undefined, command: string): string {
  if (name === undefined) throw new Error(`${command} needs a node, e.g. ${command} n1`);
  if (!NODE_PATTERN.test(name)) throw new Error(`${command}: "${name}" is not a node id`);
  return name;
}

function expectArgs(args: readonly string[], count: number, command: string): void {
  if (args.length > count) throw new Error(`${command}: unexpected argument "${args[count] ?? ''}"`);
}

function parseFaults(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) throw new Error(`exchange needs fault JSON or reset, e.g. exchange 1 '{"down":true}'`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new Error(`exchange: fault JSON does not parse: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('exchange: fault JSON must be an object');
  return value as Record<string, unknown>;
}

function parseCommand(positionals: readonly string[], json: boolean, waitMsRaw: string | undefined): CliCommand {
  const [name, ...args] = positionals;
  switch (name) {
    case undefined:
      throw new Error('missing command');
    case 'status':
      expectArgs(args, 0, name);
      return { kind: 'status', json };
    case 'kill':
    case 'start':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'transfer':
      expectArgs(args, 1, name);
      return { kind: name, node: node(args[0], name) };
    case 'partition':
      expectArgs(args, 1, name);
      if (args[0] === undefined) throw new Error('partition needs groups, e.g. partition "n1|n2,n3" or partition isolate-leader');
      return { kind: 'partition', spec: args[0] };
    case 'cut':
      expectArgs(args, 2, name);
      return { kind: 'cut', from: node(args[0], name), to: node(args[1], name) };
    case 'heal':
    case 'redis-kill':
    case 'redis-restart':
      expectArgs(args, 0, name);
      return { kind: name };
    case 'leader': {
      expectArgs(args, 0, name);
      const raw = waitMsRaw ?? String(LEADER_WAIT_MS_DEFAULT);
      const waitMs = Number(raw);
      if (!/^\d+$/.test(raw) || waitMs > LEADER_WAIT_MS_MAX) throw new Error(`--wait-ms must be an integer 0..${LEADER_WAIT_MS_MAX}, got "${raw}"`);
      return { kind: 'leader', waitMs };
    }
    case 'exchange': {
      expectArgs(args, 2, name);
      const exchange = Number(args[0]);
      if (args[0] === undefined || !/^\d+$/.test(args[0]) || exchange < 1) throw new Error(`exchange needs an exchange number 1..3, got "${args[0] ?? ''}"`);
      return { kind: 'exchange', exchange, faults: args[1] === 'reset' ? 'reset' : parseFaults(args[1]) };
    }
    case 'clock': {
      expectArgs(args, 2, name);
      const raw = args[1] ?? '';
      if (!/^\d+(\.\d+)?$/.test(raw)) throw new Error(`clock needs a node and a rate, e.g. clock n1 0.25 (rate 1: real time), got "${raw}"`);
      return { kind: 'clock', node: node(args[0], name), rate: Number(raw) };
    }
    case 'member':
      return parseMember(args, json);
    default:
      throw new Error(`unknown command "${name}"`);
  }
}

function parseMember(args: readonly string[], json: boolean): CliCommand {
  const [op, ...rest] = args;
  switch (op) {
    case 'list':
      expectArgs(rest, 0, 'member list');
      return { kind: 'member', op, json };
    case 'add':
    case 'promote':
    case 'remove':
      expectArgs(rest, 1, `member ${op}`);
      return { kind: 'member', op, node: node(rest[0], `member ${op}`) };
    default:
      throw new Error(`member needs list, add <id>, promote <id> or remove <id>, got "${op ?? ''}"`);
  }
}

export function parseCliArgs(argv: readonly string[], cwd: string): CliInvocation {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
      'wait-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const dataDir = resolve(cwd, values['data-dir'] ?? 'data');
  if (values.help === true || positionals[0] === 'help') return { dataDir, command: { kind: 'help' } };
  return { dataDir, command: parseCommand(positionals, values.json === true, values['wait-ms']) };
}
