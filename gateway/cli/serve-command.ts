import type { Command } from 'commander';
import { startHubServer } from '../server/hub-server.js';
import type { CliIo } from './cli-io.js';

/** `vkhid serve`: the hub server, until SIGTERM or SIGINT (then a graceful stop). */
export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('start the hub server (creates the development CA and hub certificates on first start)')
    .option('--data <dir>', 'data directory (default: VKHID_DATA, else ./data)')
    .option('--port <port>', 'TCP port (default: VKHID_PORT, else 8443)')
    .option('--host <address>', 'listen address (default: VKHID_HOST, else 127.0.0.1)')
    .action(async (options: { data?: string; port?: string; host?: string }) => {
      const running = await startHubServer({
        ...(options.data === undefined ? {} : { dataDir: options.data }),
        ...(options.port === undefined ? {} : { port: Number(options.port) }),
        ...(options.host === undefined ? {} : { host: options.host }),
      });
      io.stderr(`vkhid: hub listening on ${running.url} (data: ${running.hub.config.dataDir})\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          running.stop().then(resolve, resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
