// One line per event on stderr: `time level message {fields}`. LOG_LEVEL sets the least
// severe level shown (debug, info, warn, error; default info; silent for none).
const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = Exclude<keyof typeof levels, 'silent'>;

const threshold = levels[(process.env.LOG_LEVEL as keyof typeof levels) ?? 'info'] ?? levels.info;

function write(level: Level, message: string, fields?: Record<string, unknown>) {
  if (levels[level] < threshold) return;
  const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
  process.stderr.write(`${new Date().toISOString()} ${level} ${message}${extra}\n`);
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
};
