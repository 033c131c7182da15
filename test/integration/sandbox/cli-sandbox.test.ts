import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import { SANDBOX_DEMO_ACCESS_TOKEN } from '../../../src/sandbox/index.js';
import { referenceDir } from '../../support/reference.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let child: ChildProcess | undefined;

/** Resolves with the stdout lines printed up to the control-surface line (the last start-up line). */
function startupLines(process: ChildProcess): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    process.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      if (buffer.includes('control surface:')) resolve(buffer.split('\n'));
    });
    process.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    process.once('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${stderr}`)));
  });
}

afterEach(() => {
  child?.kill('SIGTERM');
  child = undefined;
});

describe('featgate sandbox', () => {
  it('starts on a free port with the reference flags and segments and serves them', async () => {
    child = spawn(
      process.execPath,
      [
        join(root, 'src/cli/featgate.mjs'),
        'sandbox',
        '--port',
        '0',
        '--seed',
        join(referenceDir(), 'server-sdk-flags.eval-server-fakes.json'),
        '--seed',
        join(referenceDir(), 'server-sdk-segments.eval-server-fakes.json'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = await startupLines(child);
    const url = /listening on (http:\/\/\S+)/.exec(lines[0]!)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const envLine = lines.find((line) => line.startsWith('environment '))!;
    expect(envLine).toContain('5 flags, 2 segments');
    const envId = envLine.split(' ')[1]!;
    const client = new FeatBitRestClient({ baseUrl: url!, accessToken: SANDBOX_DEMO_ACCESS_TOKEN });
    expect((await client.getFlag(envId, 'custom-rule-with-segment')).rules).toHaveLength(2);
    expect((await client.getSegment(envId, '556c11b2-f08a-4e10-b0b7-af8e008125b3')).name).toBe('segment-02');
  }, 30_000);

  it('refuses a seed that is not FeatBit data, naming the file and field', async () => {
    child = spawn(
      process.execPath,
      [
        join(root, 'src/cli/featgate.mjs'),
        'sandbox',
        '--port',
        '0',
        '--seed',
        join(referenceDir(), 'webhook-default-payload-template.json'),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child!.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('webhook-default-payload-template.json');
  }, 30_000);
});
