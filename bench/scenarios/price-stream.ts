/**
 * `npm run bench -- price-stream`: 1,000 SSE clients (GET /prices/stream?assets=<hot tier>) on
 * ONE follower node (streams work on every node; a follower keeps the leader's refresh work out
 * of the figure). Each received event's publish-to-receive latency is now - `published_at` (the
 * leader's clock when it published to the channel; same machine, same clock): it covers the
 * Redis PUBLISH, the follower's hub and the socket to the client. Node CPU: the node's
 * process_cpu_seconds_total (GET /metrics) over the measured window, as % of one core.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { CpuMeter } from '../load/cpu.js';
import { LatencyHistogram } from '../load/histogram.js';
import type { ResultRow } from '../load/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';
import { tierSymbols } from './workloads.js';

export const STREAM_CLIENTS = 1_000;
export const SMOKE_STREAM_CLIENTS = 50;
const LEADER_WAIT_MS = 30_000;
/** Clients opened at once while connecting (bounded burst). */
const CONNECT_BATCH = 100;
const CONNECT_TIMEOUT_MS = 10_000;
/** Events a client may buffer unparsed (a bench client bug guard). */
const CLIENT_TEXT_MAX = 1024 * 1024;

interface StreamClient {
  readonly request: ClientRequest;
  events: number;
  resets: number;
  closed: boolean;
}

interface Tally {
  measuring: boolean;
  readonly latency: LatencyHistogram;
  events: number;
  dropped: number;
}

function openClient(url: URL, tally: Tally): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, agent: false, timeout: CONNECT_TIMEOUT_MS });
    const client: StreamClient = { request: req, events: 0, resets: 0, closed: false };
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      req.setTimeout(0);
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (chunk: string) => {
        const receivedAtMs = Date.now(); // before parsing: the client's own parsing is not the node's latency
        text += chunk;
        let end = text.indexOf('\n\n');
        while (end >= 0) {
          onFrame(text.slice(0, end), client, tally, receivedAtMs);
          text = text.slice(end + 2);
          end = text.indexOf('\n\n');
        }
        if (text.length > CLIENT_TEXT_MAX) req.destroy(new Error('unterminated event'));
      });
      res.on('close', () => {
        if (!client.closed) tally.dropped += 1;
        client.closed = true;
      });
      resolve(client);
    });
    req.on('timeout', () => req.destroy(new Error('connect timeout')));
    req.on('error', reject);
    req.end();
  });
}

const PUBLISHED_AT = '"published_at":';

function onFrame(frame: string, client: StreamClient, tally: Tally, receivedAtMs: number): void {
  if (frame.includes('event: reset')) client.resets += 1;
  if (!frame.includes('event: price')) return;
  client.events += 1;
  if (!tally.measuring) return;
  const at = frame.indexOf(PUBLISHED_AT);
  if (at < 0) throw new Error(`price event without published_at: ${frame.slice(0, 200)}`);
  const publishedAt = Number.parseInt(frame.slice(at + PUBLISHED_AT.length, at + PUBLISHED_AT.length + 16), 10);
  tally.events += 1;
  tally.latency.recordMs(Math.max(0, receivedAtMs - publishedAt));
}

async function nodeCpuSeconds(origin: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const value = /^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1];
  if (value === undefined) throw new Error(`${origin}/metrics has no process_cpu_seconds_total`);
  return Number(value);
}

async function streamsOpen(origin: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  return Number(/^bazaar_price_streams (\S+)$/m.exec(text)?.[1] ?? NaN);
}

/** A follower; the leader when the cluster runs without Redis (then only the leader's streams carry prices). */
async function streamNode(ctx: ScenarioContext, notes: string[]): Promise<string> {
  const leader = await ctx.cluster.leaderUrl(LEADER_WAIT_MS);
  if (ctx.cluster.cacheEnabled === false) {
    notes.push('cluster without Redis: streams measured on the leader (no pub/sub channel to followers)');
    return leader;
  }
  return ctx.cluster.nodeUrls().find((u) => u !== leader) ?? leader;
}

export const priceStream: Scenario = {
  name: 'price-stream',
  description: '1,000 SSE clients of GET /prices/stream (hot assets) on one follower: publish-to-receive latency p50/p99, node CPU',
  async run(ctx): Promise<ScenarioOutcome> {
    const notes: string[] = [];
    const clientsWanted = ctx.options.connections ?? (ctx.options.smoke ? SMOKE_STREAM_CLIENTS : STREAM_CLIENTS);
    const origin = await streamNode(ctx, notes);
    const hot = tierSymbols(ctx.symbols).hot;
    const url = new URL(`${origin}/prices/stream?assets=${hot.join(',')}`);
    const tally: Tally = { measuring: false, latency: new LatencyHistogram(), events: 0, dropped: 0 };
    const clients: StreamClient[] = [];
    ctx.log(`price-stream: opening ${clientsWanted} streams of ${hot.length} hot assets on ${origin}`);
    try {
      for (let i = 0; i < clientsWanted; i += CONNECT_BATCH) {
        const batch = Math.min(CONNECT_BATCH, clientsWanted - i);
        clients.push(...(await Promise.all(Array.from({ length: batch }, () => openClient(url, tally)))));
      }
      const open = await streamsOpen(origin);
      notes.push(`bazaar_price_streams on the node after connecting: ${open}`);
      await new Promise((r) => setTimeout(r, 2_000)); // settle: first events, no connect burst in the figures
      const durationMs = ctx.phaseMs(1);
      const cpuBefore = await nodeCpuSeconds(origin);
      const clientCpu = new CpuMeter();
      const startedMs = Date.now();
      tally.measuring = true;
      await new Promise((r) => setTimeout(r, durationMs));
      tally.measuring = false;
      const elapsedMs = Date.now() - startedMs;
      const generator = clientCpu.stop();
      const cpuPercent = Math.round(((await nodeCpuSeconds(origin)) - cpuBefore) / (elapsedMs / 1000) * 1000) / 10;
      const resets = clients.reduce((n, c) => n + c.resets, 0);
      notes.push(`node ${origin}: CPU ${cpuPercent}% of one core over ${Math.round(elapsedMs / 1000)} s while delivering ${Math.round((tally.events / elapsedMs) * 1000)} events/s to ${clients.length} clients`);
      notes.push('the clients run in the bench process, which also hosts the launcher and its fault proxy: a busy generator (gen CPU %) adds to the latency');
      notes.push(`clients dropped by the node (slow) or closed: ${tally.dropped}; reset events: ${resets}`);
      const row: ResultRow = {
        scenario: 'price-stream',
        label: `${clients.length} SSE clients, publish-to-receive`,
        connections: clients.length,
        ratePerSec: null,
        throughputPerSec: Math.round((tally.events / elapsedMs) * 1000),
        // sent = events received + clients lost (each counted as one error).
        counts: { sent: tally.events + tally.dropped, completed: tally.events, ok: tally.events, non2xx: 0, errors: tally.dropped, byStatus: { '200': tally.events } },
        latency: tally.latency.summary(),
        generatorCpuPercent: generator.percentOfOneCore,
      };
      return { rows: [row], notes, details: { origin, clients: clients.length, assets: hot.length, nodeCpuPercent: cpuPercent, dropped: tally.dropped, resets } };
    } finally {
      for (const c of clients) {
        c.closed = true;
        c.request.destroy();
      }
    }
  },
};
