// Starts the HTTP server; returns a handle so start scripts and tests can stop it.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { type Config, loadConfig } from './config';
import { log } from './log';

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

export class PortInUseError extends Error {}

export function startServer(config: Config = loadConfig()): Promise<RunningServer> {
  const app = createApp(config);
  return new Promise((resolve, reject) => {
    const server = app.listen(config.port, config.host);
    server.once('error', (err: NodeJS.ErrnoException) => {
      app.locals.close();
      if (err.code === 'EADDRINUSE') {
        reject(new PortInUseError(`Port ${config.port} on ${config.host} is already in use. Stop the program using it (lsof -i :${config.port}) or set MUSE_PORT to another port.`));
      } else reject(err);
    });
    server.once('listening', () => {
      const port = (server.address() as AddressInfo).port;
      const url = `http://${config.host === '127.0.0.1' ? 'localhost' : config.host}:${port}`;
      log.info('server.listening', { url });
      resolve({
        url,
        port,
        server,
        stop: () => new Promise((r) => { server.closeAllConnections(); server.close(() => { app.locals.close(); r(); }); }),
      });
    });
  });
}
