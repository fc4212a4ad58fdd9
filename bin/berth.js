#!/usr/bin/env node
// Runs the bundled CLI; `npm install` builds it through the prepare script.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('berth: the CLI is not built yet. Run `npm run build` (npm install does it for you).');
  process.exit(1);
}
await import(entry);
