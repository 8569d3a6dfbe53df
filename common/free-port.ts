import { randomInt } from 'node:crypto';
import { mkdirSync, openSync, closeSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Listen ports for servers that cannot bind port 0 themselves (child processes, redis-server,
 * etcd, a member's gRPC port that peers must know in advance).
 *
 * Asking the kernel for port 0 and closing it hands out a port from the *ephemeral* range,
 * which the kernel also hands to outgoing connections: between the probe and the real listen,
 * any connect() on the machine may take it (seen in CI as EADDRINUSE). So ports come from
 * just below the ephemeral range, where the kernel never picks source ports, and each one is
 * reserved by an O_EXCL file so that concurrent test processes never pick the same port.
 */

/** Width of the port window below the ephemeral range. */
export const PORT_WINDOW_SIZE = 12_000;
/** A reservation older than this may be taken again (its server has bound it or is gone). */
export const PORT_RESERVATION_TTL_MS = 10 * 60_000;
/** Candidates tried before giving up. */
export const PORT_PICK_ATTEMPTS_MAX = 500;

const LINUX_EPHEMERAL_RANGE = '/proc/sys/net/ipv4/ip_local_port_range';
const EPHEMERAL_LOW_DEFAULT = 32_768;
const PORT_FLOOR = 1_024;
const reservationDir = join(tmpdir(), 'bazaar-port-reservations');

export interface PortWindow {
  readonly low: number;
  /** Inclusive. */
  readonly high: number;
}

/** The window of ports below the kernel's ephemeral range. */
export function portWindow(ephemeralRange: string | null = readEphemeralRange()): PortWindow {
  const low = parseEphemeralLow(ephemeralRange);
  const high = low - 1;
  const windowLow = Math.max(PORT_FLOOR, high - PORT_WINDOW_SIZE + 1);
  if (high - windowLow < 100) {
    throw new Error(`the ephemeral port range (${LINUX_EPHEMERAL_RANGE}: ${ephemeralRange ?? 'unknown'}) leaves no room for listen ports below it`);
  }
  return { low: windowLow, high };
}

function readEphemeralRange(): string | null {
  try {
    return readFileSync(LINUX_EPHEMERAL_RANGE, 'utf8');
  } catch {
    return null; // not Linux: assume the IANA dynamic range
  }
}

function parseEphemeralLow(range: string | null): number {
  if (range === null) return 49_152;
  const low = Number(range.trim().split(/\s+/)[0]);
  return Number.isInteger(low) && low > PORT_FLOOR ? low : EPHEMERAL_LOW_DEFAULT;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the reservation file may be removed: expired, or its owner process is gone. */
function reservationStale(path: string, nowMs: number): boolean {
  try {
    if (nowMs - statSync(path).mtimeMs > PORT_RESERVATION_TTL_MS) return true;
    const owner = Number(readFileSync(path, 'utf8'));
    return Number.isInteger(owner) && owner > 0 && !processAlive(owner);
  } catch {
    return false; // vanished or unreadable meanwhile: let the next attempt decide
  }
}

function tryReserve(port: number): boolean {
  const path = join(reservationDir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!reservationStale(path, Date.now())) return false;
      try {
        unlinkSync(path);
      } catch {
        return false;
      }
    }
  }
  return false;
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** One port on `host`, outside the ephemeral range, free now and reserved for this process. */
export async function reserveFreePort(host = '127.0.0.1', window: PortWindow = portWindow()): Promise<number> {
  mkdirSync(reservationDir, { recursive: true });
  for (let attempt = 0; attempt < PORT_PICK_ATTEMPTS_MAX; attempt++) {
    const port = randomInt(window.low, window.high + 1);
    if (!tryReserve(port)) continue;
    if (await canListen(port, host)) return port;
  }
  throw new Error(`no free port on ${host} in ${window.low}-${window.high} after ${PORT_PICK_ATTEMPTS_MAX} tries`);
}

/** `count` distinct reserved ports (see reserveFreePort). */
export async function reserveFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const window = portWindow();
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await reserveFreePort(host, window));
  return ports;
}
