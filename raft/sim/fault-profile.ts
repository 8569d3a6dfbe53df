/**
 * Probabilities and bounds of every fault and client action the simulator injects. All
 * per-tick probabilities apply once per simulated tick; message faults apply per message.
 */
export interface FaultProfile {
  readonly dropProbability: number;
  readonly duplicateProbability: number;
  /** Normal one-way delay is drawn from [0, shortDelayMaxTicks]. */
  readonly shortDelayMaxTicks: number;
  /** Some messages linger long (stale appends, stale votes arriving late). */
  readonly longDelayProbability: number;
  readonly longDelayMaxTicks: number;
  /** Chance that an undeliverable message is reported to its sender as unreachable. */
  readonly reportUnreachableProbability: number;
  readonly crashPerTickProbability: number;
  /** Crash right after a Ready that grants a vote was persisted and sent. */
  readonly crashAfterVoteGrantProbability: number;
  /**
   * Crash at one of the driver's I/O points (before/after each log write, before/mid/after each
   * state-machine apply, snapshot take/restore, compaction): every await of the Ready loop.
   */
  readonly crashMidReadyProbability: number;
  /** A crash is also a power loss: unsynced writes of both disks are lost (a prefix may survive). */
  readonly powerLossProbability: number;
  /** An I/O stalls (slow disk) for up to ioStallMaxTicks; inputs keep arriving meanwhile. */
  readonly ioStallProbability: number;
  readonly ioStallMaxTicks: number;
  /** Per node and tick: the kernel writes its cached unsynced writes back. */
  readonly diskFlushPerTickProbability: number;
  readonly restartDelayMaxTicks: number;
  /** A node that just became leader is crashed or cut off a few ticks later (Figure 8 set-ups). */
  readonly newLeaderStrikeProbability: number;
  readonly newLeaderStrikeMaxTicks: number;
  readonly pausePerTickProbability: number;
  readonly pauseMaxTicks: number;
  readonly partitionPerTickProbability: number;
  readonly partitionMaxTicks: number;
  /** Several nodes campaign at once (split votes, competing candidates in one term). */
  readonly campaignPerTickProbability: number;
  readonly proposePerTickProbability: number;
  readonly readPerTickProbability: number;
  readonly transferPerTickProbability: number;
  /** Chance that a node not yet due a tick skips it (clock drift). */
  readonly tickSkipProbability: number;
}

export const defaultFaultProfile: FaultProfile = {
  dropProbability: 0.03,
  duplicateProbability: 0.03,
  shortDelayMaxTicks: 2,
  longDelayProbability: 0.03,
  longDelayMaxTicks: 40,
  reportUnreachableProbability: 0.5,
  crashPerTickProbability: 0.004,
  crashAfterVoteGrantProbability: 0.15,
  crashMidReadyProbability: 0.002,
  powerLossProbability: 0.5,
  ioStallProbability: 0.02,
  ioStallMaxTicks: 3,
  diskFlushPerTickProbability: 0.02,
  restartDelayMaxTicks: 30,
  newLeaderStrikeProbability: 0.15,
  newLeaderStrikeMaxTicks: 4,
  pausePerTickProbability: 0.004,
  pauseMaxTicks: 60,
  partitionPerTickProbability: 0.015,
  partitionMaxTicks: 80,
  campaignPerTickProbability: 0.01,
  proposePerTickProbability: 0.4,
  readPerTickProbability: 0.2,
  transferPerTickProbability: 0.005,
  tickSkipProbability: 0.05,
};

/** The liveness phase: no faults, prompt delivery, the client keeps quiet. */
export const quietFaultProfile: FaultProfile = {
  ...defaultFaultProfile,
  dropProbability: 0,
  duplicateProbability: 0,
  shortDelayMaxTicks: 1,
  longDelayProbability: 0,
  crashPerTickProbability: 0,
  crashAfterVoteGrantProbability: 0,
  crashMidReadyProbability: 0,
  ioStallProbability: 0,
  newLeaderStrikeProbability: 0,
  pausePerTickProbability: 0,
  partitionPerTickProbability: 0,
  campaignPerTickProbability: 0,
  proposePerTickProbability: 0,
  readPerTickProbability: 0,
  transferPerTickProbability: 0,
  tickSkipProbability: 0,
};

export function validateFaultProfile(profile: FaultProfile): void {
  for (const [key, value] of Object.entries(profile)) {
    if (key.endsWith('Probability')) {
      if (!(value >= 0 && value <= 1)) throw new Error(`fault profile ${key} must be in [0, 1], got ${value}`);
    } else if (!Number.isInteger(value) || value < 0) {
      throw new Error(`fault profile ${key} must be an integer >= 0, got ${value}`);
    }
  }
}

/** Fault knobs that swarm testing scales per seed (client rates included). */
const swarmKeys = [
  'dropProbability',
  'duplicateProbability',
  'longDelayProbability',
  'crashPerTickProbability',
  'crashAfterVoteGrantProbability',
  'crashMidReadyProbability',
  'ioStallProbability',
  'newLeaderStrikeProbability',
  'pausePerTickProbability',
  'partitionPerTickProbability',
  'campaignPerTickProbability',
  'proposePerTickProbability',
  'readPerTickProbability',
  'transferPerTickProbability',
] as const satisfies readonly (keyof FaultProfile)[];

/** Scale factors a seed may draw for one knob: off, calmer, as given, stormier. */
const swarmFactors = [0, 0.5, 1, 1, 2, 3] as const;

/**
 * Swarm testing (Groce et al.): each seed runs its own mix, some faults off, others much
 * more frequent, so rare interleavings that one fixed mix starves get exercised.
 */
export function swarmFaultProfile(base: FaultProfile, pickFactor: () => number): FaultProfile {
  const scaled: Record<string, number> = { ...base };
  for (const key of swarmKeys) scaled[key] = Math.min(1, base[key] * pickFactor());
  return scaled as unknown as FaultProfile;
}

export function drawSwarmFactor(draw: (items: readonly number[]) => number): number {
  return draw(swarmFactors);
}
