import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A redis-server started for the tests alone, so they never touch anyone else's data. */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGKILL when `hard`, to play a crash) and removes its directory. */
  stop(hard?: boolean): Promise<void>;
}

/** Says what to install when neither a redis-server binary nor REDIS_URL is available. */
export const REDIS_MISSING_MESSAGE =
  'Redis is needed for these tests: install redis-server (apt-get install -y redis-server) or set REDIS_URL.';

/** Whether a redis-server binary is on the PATH. */
export function hasRedisServerBinary(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Finds a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** How a private redis-server is started. */
export interface PrivateRedisOptions {
  /** Port to listen on (a free one when absent), so a restarted server answers at the same URL. */
  readonly port?: number;
  /** Data directory kept across restarts (a fresh temporary one, removed on stop, when absent). */
  readonly dir?: string;
  /** Keeps every write in an append-only file with fsync per write, as a production Redis with AOF would. */
  readonly appendOnly?: boolean;
}

/**
 * Starts a redis-server on a loopback port and waits until it answers. It keeps nothing on disk unless
 * `appendOnly` is set; a server given a `dir` leaves that directory for the next start.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const chosenPort = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'featgate-redis-'));
  const persistence = options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(chosenPort), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${chosenPort}`;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const ping = spawnSync('redis-cli', ['-p', String(chosenPort), 'ping'], { encoding: 'utf8' });
    if (ping.stdout?.trim() === 'PONG') {
      return {
        url,
        port: chosenPort,
        async stop(hard = false) {
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill(hard ? 'SIGKILL' : 'SIGTERM');
            await exited;
          }
          if (!options.dir) rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${chosenPort}`);
}
