/** Bounds of the market-data routes. */

/** History points read for one candles answer (DynamoDB pages of HISTORY_QUERY_LIMIT_MAX). */
export const CANDLE_POINTS_MAX = 20_000;
export const CANDLES_LIMIT_MAX = 500;
export const CANDLES_LIMIT_DEFAULT = 60;
/** Comment sent on idle streams, ms (below any proxy's idle timeout). */
export const STREAM_KEEP_ALIVE_MS_DEFAULT = 10_000;
