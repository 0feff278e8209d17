// `evalhub token create|list|revoke`, run on the server against its database: how the first
// admin token of a hub that requires tokens is made. It acts as the local operator (whoever
// can reach the database is the hub's operator) and records that in the audit log.
import { parseArgs } from 'node:util';
import type { HubConfig } from '../config.ts';
import { openDatabase } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { localOperator, ROLES, type Role } from '../resolvers/core/actor.ts';
import { openAuditChain } from '../resolvers/core/audit-chain.ts';
import { decodeGlobalId, encodeGlobalId } from '../resolvers/core/global-id.ts';
import { createApiToken, listApiTokens, revokeApiToken } from '../resolvers/identity/tokens.ts';
import { RunnerRegistry } from '../runners/registry.ts';
import { auditKeyOf } from '../server.ts';

export const tokenUsage = `usage: evalhub token <create|list|revoke> (on the server, against its database)

  evalhub token create --admin --name NAME [--expires-days N]
  evalhub token create --project SLUG --role viewer|contributor|maintainer --name NAME
                       [--owner WHO] [--expires-days N]
  evalhub token list [--project SLUG]
  evalhub token revoke ID`;

export async function tokenCommand(argv: string[], config: HubConfig): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      admin: { type: 'boolean' },
      name: { type: 'string' },
      project: { type: 'string' },
      role: { type: 'string' },
      owner: { type: 'string' },
      'expires-days': { type: 'string' },
    },
  });
  const [action, id] = positionals;
  if (!action || !['create', 'list', 'revoke'].includes(action)) {
    console.error(tokenUsage);
    return 2;
  }
  if (values.role && !ROLES.includes(values.role as Role)) {
    console.error(`--role is one of ${ROLES.join(', ')}`);
    return 2;
  }
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database.db);
    await openAuditChain(database.db, auditKeyOf(config, database));
    const ctx = {
      db: database.db,
      actor: localOperator(config.actorName),
      runners: new RunnerRegistry([]),
    };
    if (action === 'create') {
      if (!values.name) {
        console.error('evalhub token create needs --name');
        return 2;
      }
      const { secret, token } = await createApiToken(ctx, {
        name: values.name,
        admin: values.admin ?? false,
        project: values.project ?? null,
        role: (values.role as Role | undefined) ?? null,
        owner: values.owner ?? null,
        expiresInDays: values['expires-days'] ? Number(values['expires-days']) : null,
      });
      console.error(
        `issued token ${encodeGlobalId('ApiToken', token.id)} (${token.admin ? 'admin' : `${token.role} of ${token.projectSlug}`}); its secret is shown once:`,
      );
      console.log(secret);
      return 0;
    }
    if (action === 'list') {
      for (const token of await listApiTokens(ctx, values.project ?? null)) {
        const scope = token.admin ? 'admin' : `${token.role}@${token.projectSlug}`;
        const state = token.revokedAt
          ? 'revoked'
          : token.expiresAt && token.expiresAt < new Date()
            ? 'expired'
            : 'active';
        console.log(
          [
            encodeGlobalId('ApiToken', token.id),
            token.prefix,
            token.name,
            token.owner,
            scope,
            state,
          ].join('\t'),
        );
      }
      return 0;
    }
    const decoded = id ? decodeGlobalId(id) : null;
    if (decoded?.type !== 'ApiToken') {
      console.error('evalhub token revoke needs the id `evalhub token list` shows');
      return 2;
    }
    await revokeApiToken(ctx, decoded.id);
    console.log(`revoked ${id}`);
    return 0;
  } finally {
    await database.close();
  }
}
