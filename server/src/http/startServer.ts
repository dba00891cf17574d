import type { RequestListener, Server } from 'node:http';
import { createServer } from 'node:http';
import { ChexgenError } from '../errors.js';

/** Where and how to listen. */
export type ListenOptions = {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Most open connections (CHEXGEN_MAX_CONNECTIONS); sockets beyond it are closed at once. */
  maxConnections: number;
};

/** A listening HTTP server. */
export type ListeningServer = {
  url: string;
  port: number;
  /**
   * Stops taking connections, runs `drain` (e.g. put running jobs back in the queue) while open requests may still
   * finish, then closes what is left open (event streams, idle keep-alive connections). Safe to call twice.
   */
  close(drain?: () => Promise<void>): Promise<void>;
};

/**
 * Listens with `app` on `host:port` and nothing else: the composition root (server/src/composition) builds what is
 * served. A port in use, a forbidden port or an address that is not this machine's is INVALID_FIELD naming PORT or
 * HOST.
 */
export async function startServer(app: RequestListener, options: ListenOptions): Promise<ListeningServer> {
  const server: Server = createServer(app);
  server.maxConnections = options.maxConnections; // beyond it, new sockets are closed at once
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'is in use' : error.code === 'EACCES' ? 'is not allowed' : error.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : undefined;
      reject(reason === undefined ? error : new ChexgenError('INVALID_FIELD', `cannot listen on ${options.host}:${options.port}: the address ${reason}`, { field: error.code === 'EADDRNOTAVAIL' ? 'HOST' : 'PORT', cause: error }));
    });
    server.listen(options.port, options.host);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: (drain) => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        try {
          await drain?.();
        } finally {
          server.closeAllConnections();
          await closed;
        }
      })();
      return closing;
    },
  };
}
