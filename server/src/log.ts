// Structured logs: one JSON object per line on stderr, for the server and the project's scripts.
type Fields = Record<string, unknown>;
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const env = (process.env.MUSE_LOG_LEVEL ?? 'info') as Level;
  return ORDER[env] ?? ORDER.info;
}

function write(level: Level, event: string, fields: Fields = {}): void {
  if (ORDER[level] < threshold()) return;
  process.stderr.write(`${JSON.stringify({ level, ts: new Date().toISOString(), event, ...fields })}\n`);
}

export const log = {
  debug: (event: string, fields?: Fields) => write('debug', event, fields),
  info: (event: string, fields?: Fields) => write('info', event, fields),
  warn: (event: string, fields?: Fields) => write('warn', event, fields),
  error: (event: string, fields?: Fields) => write('error', event, fields),
};
