import { describe, expect, it } from 'vitest';
import { EntryKind, type Entry } from '../core/types.js';
import { newMachineDisk, ProcessGone, SimStateMachine, type IoGate } from './sim-state-machine.js';

const encoder = new TextEncoder();
const entry = (index: number): Entry => ({ index, term: 1, kind: EntryKind.Normal, data: encoder.encode(`p${index}`) });

describe('SimStateMachine under the harness', () => {
  it('a continuation queued before the process crashed writes nothing to the disks the next process gets (seed 54, 2 nodes)', async () => {
    let alive = true;
    const gate: IoGate = Object.assign(() => undefined, { alive: () => alive });
    const disk = newMachineDisk();
    const applied: number[] = [];
    const machine = new SimStateMachine(disk, gate, { applied: (index) => applied.push(index), restored: () => undefined });
    await machine.apply([entry(1)]);
    // The gate let the apply through; the process crashes before the continuation runs.
    const zombie = machine.apply([entry(2), entry(3)]);
    alive = false;
    await expect(zombie).rejects.toBeInstanceOf(ProcessGone);
    expect(disk.read()).toEqual(['1|normal|p1']);
    expect(applied).toEqual([1]);
  });
});
