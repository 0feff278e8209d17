// PostGraphile v5 (its Amber preset, as its documentation starts one) serving a PostgreSQL
// database's public schema over HTTP on a free loopback port: the peer a benchmark compares
// the hub with, on the same data. Its modules are imported by a name TypeScript does not
// follow: their types bring in GraphiQL's React typings, whose DOM shims would retype the
// browser tests' page code.
import { createServer, type Server } from 'node:http';

export interface PeerServer {
  /** Its GraphQL endpoint. */
  url: string;
  close(): Promise<void>;
}

/** The few parts of PostGraphile's API the benchmark uses. */
interface PostGraphileModules {
  postgraphile(preset: object): {
    createServ(grafserv: unknown): { addTo(server: Server): void };
    release(): Promise<void>;
  };
  makePgService(options: {
    connectionString: string;
    schemas: string[];
    poolConfig: { max: number };
  }): object;
  grafserv: unknown;
  PostGraphileAmberPreset: object;
}

const load = (name: string) => import(name);

async function postGraphileModules(): Promise<PostGraphileModules> {
  const [main, adaptor, node, amber] = await Promise.all([
    load('postgraphile'),
    load('postgraphile/adaptors/pg'),
    load('postgraphile/grafserv/node'),
    load('postgraphile/presets/amber'),
  ]);
  return {
    postgraphile: main.postgraphile,
    makePgService: adaptor.makePgService,
    grafserv: node.grafserv,
    PostGraphileAmberPreset: amber.PostGraphileAmberPreset,
  };
}

export async function startPostGraphile(
  connectionString: string,
  poolSize = 10,
): Promise<PeerServer> {
  const { postgraphile, makePgService, grafserv, PostGraphileAmberPreset } =
    await postGraphileModules();
  const instance = postgraphile({
    extends: [PostGraphileAmberPreset],
    pgServices: [
      makePgService({ connectionString, schemas: ['public'], poolConfig: { max: poolSize } }),
    ],
    grafast: { explain: false },
    grafserv: { graphiql: false, watch: false },
  });
  const server = createServer();
  instance.createServ(grafserv).addTo(server);
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
