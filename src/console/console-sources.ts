import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Where the repository is, whether this module runs from `src/` (tsx) or from `dist/src/` (the built service). */
function repositoryRoot(): { readonly root: string; readonly built: boolean } {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const built = /[\\/]dist[\\/]src[\\/]console[\\/]?$/.test(here);
  return { root: join(here, built ? '../../..' : '../..'), built };
}

/** Paths of the console's browser sources and of the prebuilt bundle. */
export interface ConsolePaths {
  /** `src/console/browser`: the TypeScript and CSS the bundle is built from. */
  readonly sources: string;
  /** `dist/console`: where `npm run build` writes the bundle. */
  readonly bundle: string;
  /** Whether this code runs from the built service (then the prebuilt bundle is served). */
  readonly built: boolean;
}

/** The console's source and bundle folders for this installation. */
export function consolePaths(): ConsolePaths {
  const { root, built } = repositoryRoot();
  return { sources: join(root, 'src/console/browser'), bundle: join(root, 'dist/console'), built };
}
