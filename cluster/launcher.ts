import { randomBytes, randomInt } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { startControlServer, type ControlServer } from './control-server.js';
import { FaultLinks } from './fault-links.js';
import { assertPortsFree, freePortPlan, freePorts } from './free-ports.js';
import { REDIS_MISSING_MESSAGE, REDIS_SERVER_COMMAND, redisUrl, writeRedisConfig } from '../src/cache/redis-server.js';
import { checkPreviousLauncher, clusterToken, prepareDataDir, redisPassword } from './launcher-data-dir.js';
import { writeLauncherFile, type LauncherFile, type NodeEntry, type ProxyEntry } from './launcher-file.js';
import type { LauncherOptions } from './launcher-options.js';
import { prepareCatalog } from './launcher-catalog.js';
import { dynaliteSpec, exchangeSpec, libfaketimePath, LOOPBACK, withClockRate, nodeSpec, redisSpec, SYMBOLS_FILE, toxiproxySpec, type NodeWiring } from './launcher-services.js';
import { tailFile } from './log-tail.js';
import { NodeEnv } from '../src/config/env-names.js';
import { planPortList, planPorts, type PortPlan } from './port-plan.js';
import { checkClockRate, ProcessOpError, type ProcessOp, type ProcessOps } from './process-ops.js';
import { SupervisedChild, type ChildExit, type ChildSpec, type ChildView } from './supervised-child.js';

/** The Redis the nodes use: the launcher's own (`managed`, with its password) or REDIS_URL's. */
interface ResolvedRedis {
  readonly url: string;
  readonly managed: boolean;
  readonly port: number | null;
  readonly password: string | null;
}

/**
 * The local cluster: three (or five) Bazaar nodes, three mock exchanges, dynalite, Redis and
 * a fault proxy per directed node pair, as child processes of this one. Owns the children
 * (kill/start/restart/pause/resume through ProcessOps and the control API), reports crashes
 * with the tail of the child's log, keeps launcher.json current, and stops everything in order.
 */
export const CLUSTER_ID = 'bazaar-local';
/** A node's graceful stop (leadership transfer, drain, close storage) before SIGKILL. */
export const NODE_STOP_GRACE_MS = 5_000;
export const SERVICE_STOP_GRACE_MS = 2_000;
const CRASH_TAIL_LINES = 15;
/** `PUT /cluster/peers/{id}` to a running node when a member is added. */
const PEER_DIAL_TIMEOUT_MS = 5_000;

export type LogLine = (line: string) => void;

function onPath(command: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function indent(text: string): string {
  return text.split('\n').map((line) => `    ${line}`).join('\n');
}

export class Launcher implements ProcessOps {
  private readonly children = new Map<string, SupervisedChild>();
  private readonly nodeNames: string[] = [];
  /** Each node's spec at the real clock rate (setClockRate derives the faketime one from it). */
  private readonly plainSpecs = new Map<string, ChildSpec>();
  /** Clock rates set by setClockRate (absent: real time). */
  private readonly clockRates = new Map<string, number>();
  private readonly opChains = new Map<string, Promise<unknown>>();
  private fileChain: Promise<void> = Promise.resolve();
  private stopPromise: Promise<void> | null = null;
  private bootPromise: Promise<void> | null = null;
  private controlServer: ControlServer | null = null;
  private links: FaultLinks | null = null;
  /** `<data>/catalog.csv`, the catalog nodes and exchanges read (set in boot). */
  private catalogPath = '';
  private info: Omit<LauncherFile, 'pids' | 'running'> | null = null;
  private readonly exitHook = (): void => this.killAllNow();
  readonly logsDir: string;

  private constructor(
    readonly options: LauncherOptions,
    private readonly log: LogLine,
  ) {
    this.logsDir = join(options.dataDir, 'logs');
  }

  /** A launcher that has started nothing yet: call run(). stop() is safe at any time. */
  static create(options: LauncherOptions, log: LogLine): Launcher {
    const launcher = new Launcher(options, log);
    process.on('exit', launcher.exitHook);
    return launcher;
  }

  /** Start everything; on failure (or a stop() meanwhile), stops whatever started and rethrows. */
  static async start(options: LauncherOptions, log: LogLine): Promise<Launcher> {
    const launcher = Launcher.create(options, log);
    await launcher.run();
    return launcher;
  }

  async run(): Promise<void> {
    if (this.bootPromise !== null) throw new Error('launcher already started');
    this.bootPromise = this.boot();
    try {
      await this.bootPromise;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private assertRunning(): void {
    if (this.stopPromise !== null) throw new Error('the launcher was stopped while starting');
  }

  get faultLinks(): FaultLinks {
    if (this.links === null) throw new Error('launcher not started');
    return this.links;
  }

  /** What launcher.json holds now. */
  describe(): LauncherFile {
    if (this.info === null) throw new Error('launcher not started');
    const pids: Record<string, number> = {};
    for (const [name, child] of this.children) if (child.pid !== null) pids[name] = child.pid;
    return { ...this.info, running: this.stopPromise === null, pids };
  }

  private async boot(): Promise<void> {
    const { options } = this;
    await prepareDataDir(options.dataDir, options.fresh);
    for (const line of await checkPreviousLauncher(options.dataDir)) this.log(line);
    await mkdir(this.logsDir, { recursive: true });
    const catalog = await prepareCatalog(options.dataDir, options.symbolsFile, SYMBOLS_FILE);
    this.catalogPath = catalog.path;
    this.log(`catalog: ${catalog.count} symbols (${catalog.path})`);
    const plan = options.basePort === null ? await freePortPlan(options.nodes, LOOPBACK) : planPorts(options.basePort, options.nodes);
    const builtInProxy = options.toxiproxyUrl === null && !options.noProxy;
    await assertPortsFree(planPortList(plan).filter((p) => builtInProxy || p.what !== 'Toxiproxy API'), LOOPBACK);
    const token = await clusterToken(options.dataDir);
    this.assertRunning();
    const redis = await this.resolveRedis();
    this.assertRunning();
    const toxiproxyUrl = await this.startServices(plan, redis, token);
    this.assertRunning();
    const nodes = plan.nodes.map((n) => ({ id: n.id, grpcAddress: `${LOOPBACK}:${n.grpcPort}`, httpUrl: `http://${LOOPBACK}:${n.httpPort}` }));
    const proxies = toxiproxyUrl === '' ? [] : await FaultLinks.create(toxiproxyUrl, nodes, LOOPBACK, token);
    this.links = new FaultLinks(toxiproxyUrl, proxies, token);
    const controlToken = randomBytes(24).toString('hex');
    this.controlServer = await startControlServer(this, controlToken, LOOPBACK);
    this.info = {
      version: 1,
      launcherPid: process.pid,
      startedAtMs: Date.now(),
      dataDir: options.dataDir,
      logsDir: this.logsDir,
      controlUrl: this.controlServer.url,
      controlToken,
      clusterId: CLUSTER_ID,
      clusterToken: token,
      nodes,
      exchanges: plan.exchangePorts.map((port, i) => ({ id: `exchange${i + 1}`, url: `http://${LOOPBACK}:${port}` })),
      redis: redis === null ? null : { url: redis.url, managed: redis.managed },
      dynamodbEndpoint: `http://${LOOPBACK}:${plan.dynamodbPort}`,
      toxiproxyUrl,
      proxies,
    };
    for (const node of plan.nodes) this.addChild(nodeSpec(this.wiring(node.id, plan, proxies, token, redis?.url ?? null), this.logsDir), 'node');
    await this.writeFile();
    this.assertRunning();
    await Promise.all(this.nodeNames.map((name) => this.child(name).start()));
    await this.writeFile();
  }

  /** The fault proxy to use: '' with --no-proxy, TOXIPROXY_URL, else a spec for the built-in one. */
  private toxiproxyChoice(plan: PortPlan, token: string): { url: string; spec: ChildSpec | null } {
    if (this.options.noProxy) {
      this.log('toxiproxy: none (--no-proxy): nodes dial each other directly; partitions and toxics are unavailable');
      return { url: '', spec: null };
    }
    if (this.options.toxiproxyUrl !== null) {
      this.log(`toxiproxy: using TOXIPROXY_URL ${this.options.toxiproxyUrl}`);
      return { url: this.options.toxiproxyUrl, spec: null };
    }
    const fromEnv = process.env['TOXIPROXY_SEED'];
    const seed = fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) : randomInt(2 ** 31);
    const url = `http://${LOOPBACK}:${plan.toxiproxyPort}`;
    this.log(`toxiproxy: built-in, own process, API on ${url}, seed ${seed}${fromEnv === undefined ? '' : ' (TOXIPROXY_SEED)'}`);
    return { url, spec: toxiproxySpec(plan.toxiproxyPort, seed, this.logsDir, token) };
  }

  private async resolveRedis(): Promise<ResolvedRedis | null> {
    const choice = this.options.redis;
    if (choice.kind === 'url') return { url: choice.url, managed: false, port: null, password: null };
    if (choice.kind === 'none') {
      this.log('redis: none (--redis none): nodes run without the Redis cache');
      return null;
    }
    if (!onPath(REDIS_SERVER_COMMAND)) {
      this.log(`redis: no REDIS_URL and no ${REDIS_SERVER_COMMAND} on PATH: nodes run WITHOUT the Redis cache (${REDIS_MISSING_MESSAGE})`);
      return null;
    }
    const [port] = await freePorts(1, LOOPBACK);
    if (port === undefined) throw new Error('no free port for redis-server');
    const password = await redisPassword(this.options.dataDir);
    return { url: redisUrl(LOOPBACK, port, password), managed: true, port, password };
  }

  /** Starts the services (and the built-in fault proxy); returns the Toxiproxy URL ('' for none). */
  private async startServices(plan: PortPlan, redis: ResolvedRedis | null, token: string): Promise<string> {
    const dynamoDir = join(this.options.dataDir, 'dynamodb');
    const redisDir = join(this.options.dataDir, 'redis');
    await mkdir(dynamoDir, { recursive: true });
    const toxiproxy = this.toxiproxyChoice(plan, token);
    const specs: ChildSpec[] = [dynaliteSpec(plan.dynamodbPort, dynamoDir, this.logsDir)];
    if (toxiproxy.spec !== null) specs.push(toxiproxy.spec);
    if (redis !== null && redis.port !== null && redis.password !== null) {
      await mkdir(redisDir, { recursive: true });
      specs.push(redisSpec(redis.port, redisDir, this.logsDir, await writeRedisConfig(redisDir, redis.password), redis.password));
    }
    specs.push(...plan.exchangePorts.map((port, i) => exchangeSpec(i, port, this.logsDir, token, this.catalogPath)));
    const children = specs.map((spec) => this.addChild(spec, 'service'));
    await Promise.all(children.map((child) => child.start()));
    return toxiproxy.url;
  }

  private wiring(id: string, plan: PortPlan, proxies: readonly ProxyEntry[], token: string, redisUrl: string | null): NodeWiring {
    const self = plan.nodes.find((n) => n.id === id);
    if (self === undefined) throw new Error(`node ${id} is not in the plan`);
    const peers = new Map(
      plan.nodes.map((n) => {
        if (n.id === id || this.options.noProxy) return [n.id, `${LOOPBACK}:${n.grpcPort}`];
        const proxy = proxies.find((p) => p.from === id && p.to === n.id);
        if (proxy === undefined) throw new Error(`no fault proxy ${id}_to_${n.id}`);
        return [n.id, proxy.listen];
      }),
    );
    return {
      id,
      httpPort: self.httpPort,
      grpcPort: self.grpcPort,
      peers,
      peerHttp: new Map(plan.nodes.map((n) => [n.id, `http://${LOOPBACK}:${n.httpPort}`])),
      clusterId: CLUSTER_ID,
      clusterToken: token,
      dataDir: join(this.options.dataDir, id),
      redisUrl,
      dynamodbEndpoint: `http://${LOOPBACK}:${plan.dynamodbPort}`,
      exchangeUrls: plan.exchangePorts.map((port) => `http://${LOOPBACK}:${port}`),
      symbolsFile: this.catalogPath,
      logLevel: this.options.logLevel,
      tickMs: this.options.tickMs,
      extraEnv: this.options.nodeEnv,
    };
  }

  private addChild(spec: ChildSpec, kind: 'node' | 'service'): SupervisedChild {
    const child = new SupervisedChild(spec, (exit) => this.onChildExit(exit));
    this.children.set(spec.name, child);
    if (kind === 'node') {
      this.nodeNames.push(spec.name);
      this.plainSpecs.set(spec.name, spec);
    }
    return child;
  }

  private onChildExit(exit: ChildExit): void {
    if (this.info !== null) void this.writeFile().catch((error: unknown) => this.log(`launcher.json: ${(error as Error).message}`));
    if (this.stopPromise !== null || !exit.wasReady) return;
    const how = exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    if (exit.expected) {
      this.log(`${exit.name} (pid ${exit.pid}) stopped (${how})`);
      return;
    }
    const logFile = this.child(exit.name).spec.logFile;
    void tailFile(logFile, CRASH_TAIL_LINES).then((tail) =>
      this.log(`${exit.name} (pid ${exit.pid}) CRASHED with ${how}; the others keep running. Last lines of ${logFile}:\n${indent(tail)}`),
    );
  }

  /**
   * Membership (`npm run cluster -- member add <id>`): start node `id` on free ports with a fresh
   * data dir, joining as a learner (RAFT_JOIN; PEERS: every launcher node). Unless the cluster
   * runs without fault proxies, its links both ways get proxies like the original nodes' (so
   * partitions and toxics reach it): it dials the others through its own, and every running node
   * is told to dial it through theirs (`PUT /cluster/peers/{id}`; PEER_DIAL on later restarts).
   * The leader still has to add it, at its direct address (each node's override applies).
   */
  async addNode(id: string): Promise<NodeEntry> {
    const info = this.info;
    if (info === null || this.stopPromise !== null) throw new ProcessOpError('the launcher is not running', 409);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new ProcessOpError(`node id must match [A-Za-z0-9_-]{1,32}, got "${id}"`, 409);
    if (this.children.has(id)) throw new ProcessOpError(`${id} already exists`, 409);
    const dataDir = join(this.options.dataDir, id);
    const existing = await readdir(dataDir).catch(() => []);
    if (existing.length > 0) throw new ProcessOpError(`${dataDir} is not empty: a new member starts from an empty data dir (remove it first)`, 409);
    const [httpPort, grpcPort] = await freePorts(2, LOOPBACK);
    if (httpPort === undefined || grpcPort === undefined) throw new Error('no free ports for the new node');
    const entry: NodeEntry = { id, httpUrl: `http://${LOOPBACK}:${httpPort}`, grpcAddress: `${LOOPBACK}:${grpcPort}` };
    const proxies = await this.addNodeProxies(info, entry);
    const via = (from: string, to: string, direct: string): string => proxies.find((p) => p.from === from && p.to === to)?.listen ?? direct;
    const peers = new Map([...info.nodes.map((n): [string, string] => [n.id, via(id, n.id, n.grpcAddress)]), [id, entry.grpcAddress]]);
    const wiring = {
      id, httpPort, grpcPort, peers,
      peerHttp: new Map([...info.nodes.map((n): [string, string] => [n.id, n.httpUrl]), [id, entry.httpUrl]]),
      clusterId: CLUSTER_ID, clusterToken: info.clusterToken, dataDir, redisUrl: info.redis?.url ?? null,
      dynamodbEndpoint: info.dynamodbEndpoint, exchangeUrls: info.exchanges.map((e) => e.url),
      logLevel: this.options.logLevel, tickMs: this.options.tickMs, symbolsFile: this.catalogPath, extraEnv: { ...this.options.nodeEnv, RAFT_JOIN: 'true' },
    };
    const child = this.addChild(nodeSpec(wiring, this.logsDir), 'node');
    this.info = { ...info, nodes: [...info.nodes, entry], proxies: [...info.proxies, ...proxies] };
    if (proxies.length > 0) this.links = new FaultLinks(info.toxiproxyUrl, this.info.proxies, info.clusterToken);
    await child.start();
    await this.writeFile();
    if (proxies.length > 0) await this.dialThroughProxies(info.nodes, id, (from) => via(from, id, entry.grpcAddress), info.clusterToken);
    this.log(`${id}: started as a joining learner (http ${entry.httpUrl}, grpc ${entry.grpcAddress}${proxies.length > 0 ? `, ${proxies.length} fault proxies` : ', no fault proxies'})`);
    return entry;
  }

  /** The new node's fault proxies, both ways with every launcher node; none with --no-proxy. */
  private async addNodeProxies(info: Omit<LauncherFile, 'pids' | 'running'>, entry: NodeEntry): Promise<ProxyEntry[]> {
    if (this.options.noProxy || info.toxiproxyUrl === '' || this.links === null) return [];
    const links = info.nodes.flatMap((n) => [{ from: entry.id, to: n.id }, { from: n.id, to: entry.id }]);
    return FaultLinks.createLinks(info.toxiproxyUrl, links, [...info.nodes, entry], LOOPBACK, info.clusterToken);
  }

  /**
   * Every other node dials `id` at `addressFrom(node)` (its proxy): now through the node's admin
   * API when it runs, and from its next start on through PEER_DIAL.
   */
  private async dialThroughProxies(nodes: readonly NodeEntry[], id: string, addressFrom: (node: string) => string, token: string): Promise<void> {
    for (const node of nodes) {
      const plain = this.plainSpecs.get(node.id);
      if (plain !== undefined) {
        const dial = [plain.env[NodeEnv.PEER_DIAL], `${id}=${addressFrom(node.id)}`].filter((v) => v !== undefined && v !== '').join(',');
        this.plainSpecs.set(node.id, { ...plain, env: { ...plain.env, [NodeEnv.PEER_DIAL]: dial } });
      }
      if (this.children.get(node.id)?.pid == null) continue;
      const response = await fetch(`${node.httpUrl}/cluster/peers/${encodeURIComponent(id)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-cluster-token': token },
        body: JSON.stringify({ address: addressFrom(node.id) }),
        signal: AbortSignal.timeout(PEER_DIAL_TIMEOUT_MS),
      }).catch((error: unknown) => error as Error);
      if (response instanceof Error || !response.ok) {
        const why = response instanceof Error ? response.message : `HTTP ${response.status} ${await response.text()}`;
        this.log(`${node.id}: could not tell it to dial ${id} through its fault proxy (${why}); it will from its next start`);
      }
    }
  }

  /** See ProcessOps.setClockRate: one operation at a time per node, like act(). */
  setClockRate(id: string, rate: number): Promise<ChildView> {
    if (!this.plainSpecs.has(id)) return Promise.reject(new ProcessOpError(`unknown node "${id}" (nodes: ${this.nodeNames.join(', ')})`, 404));
    if (this.stopPromise !== null) return Promise.reject(new ProcessOpError('the launcher is stopping', 409));
    checkClockRate(rate);
    if (rate !== 1 && libfaketimePath() === null) return Promise.reject(new ProcessOpError('libfaketime not found (Debian: apt-get install faketime; or set FAKETIME_LIB)', 409));
    const previous = this.opChains.get(id) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      const old = this.child(id);
      if (old.pid !== null) await old.kill('SIGKILL');
      if (rate === 1) this.clockRates.delete(id);
      else this.clockRates.set(id, rate);
      const child = this.renew(old);
      await child.start();
      await this.writeFile();
      this.log(`${id}: restarted with its clock at x${rate}${rate === 1 ? ' (real time)' : ' (libfaketime)'} (pid ${child.pid ?? '-'})`);
      return child.view();
    });
    this.opChains.set(id, run);
    return run;
  }

  /**
   * A stopped node's child, rebuilt from its current spec (PEER_DIAL entries added since, its
   * clock rate) before it starts again; services are kept as they are.
   */
  private renew(child: SupervisedChild): SupervisedChild {
    const name = child.spec.name;
    const plain = this.plainSpecs.get(name);
    if (plain === undefined) return child;
    const rate = this.clockRates.get(name) ?? 1;
    const spec = rate === 1 ? plain : withClockRate(plain, rate, libfaketimePath() ?? '');
    const renewed = new SupervisedChild(spec, (exit) => this.onChildExit(exit));
    this.children.set(name, renewed);
    return renewed;
  }

  private writeFile(): Promise<void> {
    this.fileChain = this.fileChain.then(() => writeLauncherFile(this.options.dataDir, this.describe()));
    return this.fileChain;
  }

  private child(name: string): SupervisedChild {
    const child = this.children.get(name);
    if (child === undefined) throw new ProcessOpError(`unknown process "${name}" (known: ${[...this.children.keys()].join(', ')})`, 404);
    return child;
  }

  processes(): Promise<ChildView[]> {
    return Promise.resolve([...this.children.values()].map((child) => child.view()));
  }

  /** One operation at a time per child; wrong-state requests fail with 409. */
  act(name: string, op: ProcessOp): Promise<ChildView> {
    this.child(name); // unknown names fail now, with 404
    if (this.stopPromise !== null) return Promise.reject(new ProcessOpError('the launcher is stopping', 409));
    const previous = this.opChains.get(name) ?? Promise.resolve();
    // By name when it runs: an earlier queued op may have renewed the child.
    const run = previous.catch(() => undefined).then(() => this.runOp(this.child(name), op));
    this.opChains.set(name, run);
    return run;
  }

  private async runOp(current: SupervisedChild, op: ProcessOp): Promise<ChildView> {
    let child = current;
    const name = child.spec.name;
    const grace = this.nodeNames.includes(name) ? NODE_STOP_GRACE_MS : SERVICE_STOP_GRACE_MS;
    const running = child.pid !== null;
    try {
      if (op === 'kill') {
        if (!running) throw new Error(`${name} is not running`);
        await child.kill('SIGKILL');
      } else if (op === 'start') {
        if (running) throw new Error(`${name} is already running (pid ${child.pid})`);
        child = this.renew(child);
        await child.start();
      } else if (op === 'restart') {
        await child.stop(grace);
        child = this.renew(child);
        await child.start();
      } else if (op === 'pause') {
        child.pause();
      } else {
        child.resume();
      }
    } catch (error) {
      throw error instanceof ProcessOpError ? error : new ProcessOpError(`${op} ${name}: ${(error as Error).message}`, 409);
    }
    await this.writeFile();
    this.log(`${op} ${name}: ${child.view().state}${child.pid === null ? '' : ` (pid ${child.pid})`}`);
    return child.view();
  }

  /** Stop nodes (SIGTERM, SIGKILL after a grace), then services, proxies and the control API. */
  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  private async shutdown(): Promise<void> {
    await this.stopChildren();
    // A boot in progress fails fast once its children are gone; then stop what it added meanwhile.
    await this.bootPromise?.catch(() => undefined);
    await this.stopChildren();
    await this.controlServer?.close();
    // The built-in proxy stopped with the services; an external one keeps running without ours.
    if (this.options.toxiproxyUrl !== null) await this.links?.removeAll();
    if (this.info !== null) await this.writeFile().catch(() => undefined);
    process.off('exit', this.exitHook);
  }

  private async stopChildren(): Promise<void> {
    const nodes = [...this.children.values()].filter((c) => this.nodeNames.includes(c.spec.name));
    const services = [...this.children.values()].filter((c) => !this.nodeNames.includes(c.spec.name));
    await Promise.all(nodes.map((child) => child.stop(NODE_STOP_GRACE_MS)));
    await Promise.all(services.map((child) => child.stop(SERVICE_STOP_GRACE_MS)));
  }

  /** Synchronous last resort: SIGKILL every child. */
  killAllNow(): void {
    for (const child of this.children.values()) child.killNow();
  }
}
