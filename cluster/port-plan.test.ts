import { describe, expect, it } from 'vitest';
import { planPortList, planPorts } from './port-plan.js';

describe('port plan', () => {
  it('follows DESIGN.md §7 at the default base port', () => {
    const plan = planPorts(8080, 3);
    expect(plan.nodes).toEqual([
      { id: 'n1', httpPort: 8080, grpcPort: 9080 },
      { id: 'n2', httpPort: 8180, grpcPort: 9180 },
      { id: 'n3', httpPort: 8280, grpcPort: 9280 },
    ]);
    expect(plan.exchangePorts).toEqual([8081, 8082, 8083]);
    expect(plan.dynamodbPort).toBe(8000);
    expect(plan.toxiproxyPort).toBe(8474);
  });

  it('continues the node pattern for five nodes', () => {
    const plan = planPorts(8080, 5);
    expect(plan.nodes.map((n) => [n.id, n.httpPort, n.grpcPort])).toEqual([
      ['n1', 8080, 9080],
      ['n2', 8180, 9180],
      ['n3', 8280, 9280],
      ['n4', 8380, 9380],
      ['n5', 8480, 9480],
    ]);
  });

  it('shifts every port by (base - 8080)', () => {
    const base = planPortList(planPorts(8080, 5));
    const shifted = planPortList(planPorts(20_000, 5));
    expect(shifted.map((p) => p.what)).toEqual(base.map((p) => p.what));
    shifted.forEach((p, i) => expect(p.port - (base[i]?.port ?? 0)).toBe(20_000 - 8080));
  });

  it('gives distinct ports for every service', () => {
    for (const nodes of [3, 5]) {
      const ports = planPortList(planPorts(8080, nodes)).map((p) => p.port);
      expect(new Set(ports).size).toBe(ports.length);
    }
  });

  it('rejects base ports that push ports out of range, and bad node counts', () => {
    expect(() => planPorts(1000, 3)).toThrow(/must stay in 1024\.\.65535/);
    expect(() => planPorts(65_000, 3)).toThrow(/must stay in 1024\.\.65535/);
    expect(() => planPorts(8080, 4)).toThrow(/nodes must be one of 3, 5/);
    expect(() => planPorts(8080.5, 3)).toThrow(/integer/);
    expect(planPorts(1104, 3).dynamodbPort).toBe(1024);
  });
});
