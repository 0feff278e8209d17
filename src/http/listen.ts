// The hub's HTTP server, bound before anything else starts: a port in use is said in one
// line before the data folder is opened.
import { createServer, type Server } from 'node:http';

/** A port another process holds; the command line prints it as one line. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

export async function listenHttp(port: number, host: string): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(
              `port ${port} on ${host} is in use by another process; stop it, or set PORT to a free port`,
            )
          : error,
      ),
    );
    server.listen(port, host, resolve);
  });
  return server;
}
