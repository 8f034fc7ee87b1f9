import { readFileSync } from 'node:fs';

// Read once from package.json so `hydra -V` never disagrees with the published package.
// Compiled code sits at dist/src/version.js, two levels below the package root.
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
