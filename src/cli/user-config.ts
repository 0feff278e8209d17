// The user's evalhub settings: the hub `evalhub login` chose and its token, in
// $XDG_CONFIG_HOME/evalhub/config.json (~/.config/evalhub/config.json), readable by the
// user alone (mode 0600), since the token acts for them.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface UserConfig {
  hub?: string;
  token?: string;
}

export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'evalhub', 'config.json');
}

export async function readUserConfig(path = userConfigPath()): Promise<UserConfig> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as UserConfig;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
}

export async function writeUserConfig(config: UserConfig, path = userConfigPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode applies only to a new file: an existing one is narrowed too.
  await chmod(path, 0o600);
}
