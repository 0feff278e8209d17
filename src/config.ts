// Configuration from environment variables; README.md lists them.
export interface HubConfig {
  port: number;
  host: string;
  /** PostgreSQL connection string; the embedded database is used when absent. */
  databaseUrl: string | undefined;
  /** Folder of the embedded database, or `memory://`. */
  dataDir: string;
  /** Name of the local actor that requests act as. */
  actorName: string;
}

function integer(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new Error(
      `${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  return {
    port: integer('PORT', env.PORT, 4000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.EVALHUB_DATA_DIR || './.evalhub/data',
    actorName: env.EVALHUB_ACTOR || env.USER || 'operator',
  };
}
