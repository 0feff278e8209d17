// `evalhub login` and `evalhub whoami`: which hub, and as whom.
import type { Command } from 'commander';
import { type HubOptions, hubClient, LOCAL_HUB, withHub } from './hub.ts';
import { printJson } from './output.ts';
import { userConfigPath, writeUserConfig } from './user-config.ts';

export function accountCommands(program: Command): void {
  program
    .command('login')
    .description("store a hub's URL and your token in your config file (mode 0600)")
    .option('--hub <url>', 'the hub', process.env.EVALHUB_URL || LOCAL_HUB)
    .option('--token <token>', 'your API token (default: EVALHUB_TOKEN, else none)')
    .action(async (options: { hub: string; token?: string }) => {
      const token = options.token ?? process.env.EVALHUB_TOKEN;
      // Checked before it is stored: a wrong token or URL fails here, not on the next command.
      const { connect } = await import('../client/index.ts');
      const viewer = await connect({ url: options.hub, token }).viewer();
      await writeUserConfig({ hub: options.hub.replace(/\/+$/, ''), token });
      console.log(`logged in to ${options.hub} as ${viewer.name} (${userConfigPath()})`);
    });

  withHub(program.command('whoami'))
    .description('who the hub takes you for, and your roles')
    .option('--json', 'as JSON')
    .action(async (options: HubOptions) => {
      const client = await hubClient(options);
      const viewer = await client.viewer();
      if (options.json) return printJson({ hub: client.url, ...viewer });
      console.log(`${viewer.name} (${viewer.id}) on ${client.url}`);
      if (viewer.admin) console.log('admin: every role in every project');
      for (const { project, role } of viewer.roles)
        console.log(`${role.toLowerCase()} in ${project === '*' ? 'every project' : project}`);
      if (viewer.expiresAt) console.log(`until ${viewer.expiresAt}`);
    });
}
