#!/usr/bin/env node
// Launcher: registers the TypeScript loader relative to this file so `featgate` runs from any directory.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
