import { describe, expect, it } from 'vitest';
import { defaultFaultProfile, type FaultProfile } from './fault-profile.js';
import { formatFailure } from './seed-runner.js';
import { crashPoints, runSeed } from './simulator.js';

/**
 * The real RaftNode, crashed at one step of its Ready loop at a time (before/after the log
 * write, in the middle of sending, after granting a vote, before/mid/after applying, around
 * snapshots and compaction), every crash a power loss that drops unsynced writes, then a
 * restart from what the disks kept. Every invariant is checked after every step, durability
 * (committed entries on a quorum of durable logs) after every power loss and at the end.
 */
const crashEverywhere: FaultProfile = {
  ...defaultFaultProfile,
  crashPerTickProbability: 0,
  crashMidReadyProbability: 0.04,
  crashAfterVoteGrantProbability: 0.3,
  powerLossProbability: 1,
  restartDelayMaxTicks: 8,
  newLeaderStrikeProbability: 0,
  proposePerTickProbability: 0.6,
};

const seeds = [1, 2, 3, 4];
const rareSeeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

describe('RaftNode crashed at each step of a Ready, then power loss and restart', () => {
  for (const point of crashPoints) {
    it(`crash at ${point}: no invariant broken, acknowledged writes survive`, { timeout: 60_000 }, async () => {
      // Snapshots and compactions are rarer than Readies: crash at them more often.
      const rare = point.startsWith('snapshot') || point.startsWith('compact') || point.startsWith('spool');
      const faults = rare ? { ...crashEverywhere, crashMidReadyProbability: 0.3, dropProbability: 0.1 } : crashEverywhere;
      let crashes = 0;
      // Streamed snapshots are installed mostly once faults stop: rare points get more seeds.
      for (const seed of rare ? rareSeeds : seeds) {
        const nodeCount = 3 + (seed % 3);
        const result = await runSeed(seed, { nodeCount, steps: rare ? 1500 : 800, faults, swarm: false, crashPoints: [point] });
        if (!result.ok) console.log(formatFailure({ ...result, nodeCount }));
        expect(result.ok).toBe(true);
        if (result.ok) {
          expect([...result.crashesAt.keys()].filter((at) => at !== point && at !== 'power-cut')).toEqual([]);
          crashes += result.crashesAt.get(point) ?? 0;
          expect(result.stats.proposalsAcked).toBeGreaterThan(0);
        }
      }
      console.log(`crash at ${point}: ${crashes} crashes with power loss over ${(rare ? rareSeeds : seeds).length} seeds`);
      expect(crashes).toBeGreaterThan(0);
    });
  }
});
