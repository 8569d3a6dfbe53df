/**
 * One message round trip over GrpcTransport between two transports in one process (loopback):
 * n1 sends an Append of one entry, n2's hook answers with an AppendResp at once, n1 measures
 * until the answer arrives. Also times a raw grpc-js unary call of the same service for
 * reference (one call = one one-way message, so a transport round trip is two calls). Prints
 * p50/p90/p99, rate and process CPU per round trip; `--pipelined N` keeps N in flight. Last,
 * the same round trip over one long-lived bidi stream (what a streaming Raft RPC would cost).
 *   npx tsx raft/bench/transport-rtt-main.ts [--count 2000] [--size-bytes 256] [--pipelined 1]
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, credentials, Metadata, Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import * as hdr from 'hdr-histogram-js';
import { EntryKind, MessageType, type Message } from '../core/types.js';
import { raftServiceDefinition, RaftMethod } from '../transport/raft-proto.js';
import { reserveFreePort } from '../../common/free-port.js';
import { loopback, makeTransport } from '../transport/transport-test-kit.js';
import type { TransportHooks } from '../transport/transport.js';

interface RttArgs {
  readonly count: number;
  readonly sizeBytes: number;
  readonly pipelined: number;
}

function parseRttArgs(): RttArgs {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '2000' },
      'size-bytes': { type: 'string', default: '256' },
      pipelined: { type: 'string', default: '1' },
    },
  });
  const int = (name: string, raw: string, min: number, max: number): number => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got ${raw}`);
    return v;
  };
  return {
    count: int('count', values.count, 10, 1_000_000),
    sizeBytes: int('size-bytes', values['size-bytes'], 1, 1024 * 1024),
    pipelined: int('pipelined', values.pipelined, 1, 1024),
  };
}

type Histogram = ReturnType<typeof hdr.build>;

function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

function report(label: string, histogram: Histogram, run: { elapsedMs: number; cpuUs: number }): void {
  const ms = (p: number): string => (histogram.getValueAtPercentile(p) / 1000).toFixed(3);
  const perSec = ((histogram.totalCount * 1000) / run.elapsedMs).toFixed(0);
  const cpuUs = (run.cpuUs / histogram.totalCount).toFixed(0);
  console.log(
    `${label.padEnd(26)} n=${histogram.totalCount} p50 ${ms(50)} ms  p90 ${ms(90)} ms  p99 ${ms(99)} ms  max ${(histogram.maxValue / 1000).toFixed(1)} ms  ${perSec}/s  cpu ${cpuUs} us each  load ${loadavg()[0]?.toFixed(1)}`,
  );
}

/** Run `count` round trips with `pipelined` in flight; `once` resolves when one round trip is done. */
async function drive(args: RttArgs, once: (i: number) => Promise<void>, histogram: Histogram): Promise<{ elapsedMs: number; cpuUs: number }> {
  let next = 0;
  const startedMs = performance.now();
  const cpuBefore = process.cpuUsage();
  const worker = async (): Promise<void> => {
    while (next < args.count) {
      const i = next++;
      const t0 = performance.now();
      await once(i);
      histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    }
  };
  await Promise.all(Array.from({ length: args.pipelined }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  return { elapsedMs: performance.now() - startedMs, cpuUs: cpu.user + cpu.system };
}

function appendOf(i: number, data: Uint8Array): Message {
  return {
    type: MessageType.Append, from: 'n1', to: 'n2', term: 1, prevIndex: i + 1, prevTerm: 1, commit: i,
    entries: [{ index: i + 2, term: 1, kind: EntryKind.Normal, data }],
  };
}

async function transportRtt(args: RttArgs, data: Uint8Array): Promise<void> {
  const [portA, portB] = [await reserveFreePort(), await reserveFreePort()];
  const logger = { debug: () => {}, info: () => {}, warn: console.error, error: console.error };
  const a = makeTransport('n1', portA, { n2: portB }, { logger });
  const b = makeTransport('n2', portB, { n1: portA }, { logger });
  const waiting = new Map<number, () => void>();
  const hooksA: TransportHooks = {
    onMessage: (m) => {
      if (m.type === MessageType.AppendResp) waiting.get(m.index)?.();
    },
    onUnreachable: (peer) => console.error(`n1: ${peer} unreachable`),
    onSnapshotStatus: () => {},
    openSnapshot: () => null,
    receiveSnapshot: () => Promise.reject(new Error('no snapshots in this benchmark')),
  };
  const hooksB: TransportHooks = {
    onMessage: (m) => {
      if (m.type !== MessageType.Append) return;
      const index = m.entries.at(-1)?.index ?? m.prevIndex;
      b.send([{ type: MessageType.AppendResp, from: 'n2', to: 'n1', term: 1, reject: false, index, hintIndex: 0, hintTerm: 0 }]);
    },
    onUnreachable: (peer) => console.error(`n2: ${peer} unreachable`),
    onSnapshotStatus: () => {},
    openSnapshot: () => null,
    receiveSnapshot: () => Promise.reject(new Error('no snapshots in this benchmark')),
  };
  await a.start(hooksA);
  await b.start(hooksB);
  const once = (i: number): Promise<void> =>
    new Promise((resolve) => {
      waiting.set(i + 2, () => {
        waiting.delete(i + 2);
        resolve();
      });
      a.send([appendOf(i, data)]);
    });
  await drive({ ...args, count: Math.min(200, args.count) }, once, newHistogram()); // warm up
  const histogram = newHistogram();
  const run = await drive(args, (i) => once(i + 1_000_000), histogram);
  report('GrpcTransport round trip', histogram, run);
  const { sentCalls, sentMessages, reorderedLate, reorderGapsSkipped, unreachable } = a.stats();
  console.log(`  n1 stats ${JSON.stringify({ sentCalls, sentMessages, reorderedLate, reorderGapsSkipped, unreachable })}`);
  await Promise.all([a.close(), b.close()]);
}

async function rawRtt(args: RttArgs, data: Uint8Array): Promise<void> {
  const method = raftServiceDefinition()[RaftMethod.AppendEntries];
  if (method === undefined) throw new Error('no AppendEntries');
  const server = new Server();
  server.addService(raftServiceDefinition(), {
    [RaftMethod.AppendEntries]: (_call: unknown, callback: (e: null, r: object) => void) => callback(null, {}),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${loopback}:0`, ServerCredentials.createInsecure(), (e, p) => (e === null ? resolve(p) : reject(e))),
  );
  const client = new Client(`${loopback}:${port}`, credentials.createInsecure());
  const request = {
    header: { cluster_id: 'x', token: 'y', from: 'n1', to: 'n2', sender_epoch: 'e', seq: 1, seq_floor: 1 },
    message: { term: 1, prev_index: 1, prev_term: 1, commit: 1, entries: [{ index: 2, term: 1, kind: 'ENTRY_KIND_NORMAL', data }] },
  };
  const once = (): Promise<void> =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, new Metadata(), { deadline: Date.now() + 5000 },
        (error) => (error === null ? resolve() : reject(error)));
    });
  await drive({ ...args, count: Math.min(200, args.count) }, once, newHistogram());
  const histogram = newHistogram();
  const run = await drive(args, once, histogram);
  report('raw grpc-js unary call', histogram, run);
  client.close();
  server.forceShutdown();
}

/**
 * What a long-lived stream per peer would cost (etcd streams its Raft messages): one bidi
 * stream, the server echoes every BatchRequest back on it, so one round trip is two one-way
 * messages, like the GrpcTransport round trip above. Uses raft.proto's BatchRequest codec on a
 * bench-only method: raft.proto declares no streaming RPC for Raft messages.
 */
async function streamRtt(args: RttArgs, data: Uint8Array): Promise<void> {
  const batch = raftServiceDefinition()[RaftMethod.Batch];
  if (batch === undefined) throw new Error('no Batch');
  const path = '/bazaar.raft.bench.Echo/Stream';
  const definition = {
    Stream: {
      path, requestStream: true, responseStream: true, originalName: 'Stream',
      requestSerialize: batch.requestSerialize, requestDeserialize: batch.requestDeserialize,
      responseSerialize: batch.requestSerialize, responseDeserialize: batch.requestDeserialize,
    },
  };
  const server = new Server();
  server.addService(definition, {
    Stream: (call: ServerDuplexStream<unknown, unknown>) => {
      call.on('data', (request: unknown) => call.write(request));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${loopback}:0`, ServerCredentials.createInsecure(), (e, p) => (e === null ? resolve(p) : reject(e))),
  );
  const client = new Client(`${loopback}:${port}`, credentials.createInsecure());
  const stream = client.makeBidiStreamRequest(path, batch.requestSerialize, batch.requestDeserialize, new Metadata(), {});
  const waiting = new Map<string, () => void>();
  stream.on('data', (echo: { header: { seq: string } }) => waiting.get(echo.header.seq)?.());
  stream.on('error', () => {});
  const once = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const seq = String(i + 1);
      waiting.set(seq, () => {
        waiting.delete(seq);
        resolve();
      });
      stream.write({
        header: { cluster_id: 'x', token: 'y', from: 'n1', to: 'n2', sender_epoch: 'e', seq, seq_floor: seq },
        messages: [{ append: { term: 1, prev_index: i + 1, prev_term: 1, commit: i, entries: [{ index: i + 2, term: 1, kind: 'ENTRY_KIND_NORMAL', data }] } }],
      });
    });
  await drive({ ...args, count: Math.min(200, args.count) }, (i) => once(i + 5_000_000), newHistogram());
  const histogram = newHistogram();
  const run = await drive(args, once, histogram);
  report('bidi stream round trip', histogram, run);
  stream.end();
  client.close();
  server.forceShutdown();
}

async function main(): Promise<void> {
  const args = parseRttArgs();
  const flags = process.argv.slice(2).join(' ');
  console.log(`command: npx tsx raft/bench/transport-rtt-main.ts ${flags}`.trimEnd());
  const data = new Uint8Array(args.sizeBytes).fill(7);
  await rawRtt(args, data);
  await transportRtt(args, data);
  await streamRtt(args, data);
}

main().catch((error: unknown) => {
  console.error(`transport rtt bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
