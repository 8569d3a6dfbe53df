import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PORT_WINDOW_SIZE, portWindow, reserveFreePort, reserveFreePorts } from './free-port.js';

describe('portWindow', () => {
  it('lies just below the kernel ephemeral range', () => {
    expect(portWindow('32768\t60999\n')).toEqual({ low: 32768 - PORT_WINDOW_SIZE, high: 32767 });
    expect(portWindow('10000 65535')).toEqual({ low: 1024, high: 9999 });
  });

  it('assumes the IANA dynamic range when the kernel range is unknown', () => {
    expect(portWindow(null).high).toBe(49151);
  });

  it('refuses a range that leaves no room below it', () => {
    expect(() => portWindow('1100 65535')).toThrow(/leaves no room/);
  });
});

describe('reserveFreePort', () => {
  it('hands out distinct ports inside the window, outside the ephemeral range', async () => {
    const window = portWindow();
    const ports = await reserveFreePorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(window.low);
      expect(port).toBeLessThanOrEqual(window.high);
    }
  });

  it('never hands out a port that is reserved by a live process', async () => {
    const port = await reserveFreePort();
    await expect(reserveFreePort('127.0.0.1', { low: port, high: port })).rejects.toThrow(/no free port/);
  });

  it('skips a port that something is listening on', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const busy = (server.address() as { port: number }).port;
      await expect(reserveFreePort('127.0.0.1', { low: busy, high: busy })).rejects.toThrow(/no free port/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
