/** The logging surface the driver needs; a pino logger satisfies it. */
export interface RaftLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Default: one JSON line per event on stderr (the service passes its pino logger instead). */
export function createStderrLogger(name: string): RaftLogger {
  const write = (level: string, fields: object, message: string): void => {
    process.stderr.write(`${JSON.stringify({ level, time: Date.now(), name, msg: message, ...fields })}\n`);
  };
  return {
    info: (fields, message) => write('info', fields, message),
    warn: (fields, message) => write('warn', fields, message),
    error: (fields, message) => write('error', fields, message),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: RaftLogger = { info: () => {}, warn: () => {}, error: () => {} };
