// Which hub a command talks to, and as whom: --hub, else EVALHUB_URL, else the hub of
// `evalhub login`, else the local one; EVALHUB_TOKEN, else the stored token.
import type { Command } from 'commander';
import type { EvalhubClient } from '../client/index.ts';
import { readUserConfig } from './user-config.ts';

export const LOCAL_HUB = `http://127.0.0.1:${process.env.PORT || 4000}`;

export interface HubOptions {
  hub?: string;
  json?: boolean;
}

/** Adds --hub to a command that talks to a hub. */
export function withHub(command: Command): Command {
  return command.option('--hub <url>', 'the hub (default: EVALHUB_URL, the login, or local)');
}

export async function hubClient(options: HubOptions): Promise<EvalhubClient> {
  const stored = await readUserConfig();
  const url = options.hub || process.env.EVALHUB_URL || stored.hub || LOCAL_HUB;
  // A stored token belongs to the stored hub: never send it to another.
  const token =
    process.env.EVALHUB_TOKEN || (stored.hub && url === stored.hub ? stored.token : undefined);
  const { connect } = await import('../client/index.ts');
  return connect({ url, token });
}
