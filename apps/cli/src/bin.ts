#!/usr/bin/env node
import 'reflect-metadata';
import { processIo } from './commands/io.js';
import { main } from './main.js';

// `ctrack ... | head` closes stdout early: stop quietly, as conntrack does.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2), processIo());
