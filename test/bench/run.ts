import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { createBenchContext, type BenchContext } from './bench-context.js';

interface BenchModule {
  run(ctx: BenchContext): Promise<void>;
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((filter) => name.includes(filter)))
  .sort();

const ctx = createBenchContext();
let failed = false;
for (const file of files) {
  try {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as BenchModule;
    await mod.run(ctx);
  } catch (error) {
    failed = true;
    console.error(`${file}: failed: ${error instanceof Error ? error.stack : String(error)}`);
  }
}
await ctx.close();
process.exit(failed ? 1 : 0);
