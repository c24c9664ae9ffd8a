#!/usr/bin/env node
// Runs the TypeScript entry point through tsx, so `hark` works without a build step.
//
// tsx is registered in this very process and the entry point imported here, rather than
// spawning `tsx src/main.ts` as a child: with a child, a SIGTERM to `hark` (from a process
// manager, a container runtime or a test) killed only this wrapper and left the server
// running, orphaned, holding its port and database.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
