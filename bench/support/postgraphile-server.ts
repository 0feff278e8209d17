// PostGraphile v5 (its Amber preset, as its documentation starts one) serving a PostgreSQL
// database's public schema over HTTP on a free loopback port: the peer a benchmark compares
// the hub with, on the same data.
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

export interface PeerServer {
  /** Its GraphQL endpoint. */
  url: string;
  close(): Promise<void>;
}

export async function startPostGraphile(
  connectionString: string,
  poolSize = 10,
): Promise<PeerServer> {
  const pgService = makePgService({
    connectionString,
    schemas: ['public'],
    poolConfig: { max: poolSize },
  });
  const instance = postgraphile({
    extends: [PostGraphileAmberPreset],
    pgServices: [pgService],
    grafast: { explain: false },
    grafserv: { graphiql: false, watch: false },
  });
  const serv = instance.createServ(grafserv);
  const server = createServer();
  serv.addTo(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await instance.release();
    },
  };
}
