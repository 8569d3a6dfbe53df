/**
 * Bookkeeping options every opossum circuit breaker in Bazaar uses.
 *
 * opossum's defaults keep the latency of every call in its rolling window
 * (`rollingPercentilesEnabled`) and, on every failure and every snapshot (once per bucket),
 * compute `stats`: concatenate all the window's latencies and sort them. A breaker in front of
 * Redis sees thousands of calls per second, so under load each failure cost a sort of tens of
 * thousands of numbers on the event loop; a burst of Redis timeouts then stalled a node for up to
 * a second (found by CPU-profiling the soak), which caused more timeouts. Bazaar reads no
 * percentiles and no snapshots: failure counts per bucket are all the breaker needs.
 */
export const BREAKER_BOOKKEEPING = {
  rollingPercentilesEnabled: false,
  enableSnapshots: false,
} as const;
