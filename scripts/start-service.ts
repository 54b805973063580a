import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMain } from '../platform/lifecycle.js';
import { StartupError } from '../platform/startup-error.js';
import {
  ALL_SERVICES,
  availableServices,
  entryOf,
  relativeEntryOf,
  type StackService,
} from './lib/stack.js';

/**
 * `npm run start:service -- <name>`: exactly one service, in the foreground,
 * in this very process (no supervisor in between), which is what a container
 * or a process manager running several replicas wants. The service handles
 * SIGTERM itself (graceful shutdown, exit 0). It does not start Kafka or
 * check other infrastructure: in a container that is the platform's job, and
 * the service reports an unreachable database in one line on its own.
 */
function serviceFromArgs(): StackService {
  const name = process.argv[2];
  const usage = `usage: npm run start:service -- <${ALL_SERVICES.join('|')}>`;
  if (!name) throw new StartupError(usage);
  if (!ALL_SERVICES.includes(name as StackService)) {
    throw new StartupError(`unknown service "${name}"; ${usage}`);
  }
  if (!availableServices().includes(name as StackService)) {
    throw new StartupError(
      `service "${name}" has no entry point yet (${entryOf(name as StackService)})`,
    );
  }
  return name as StackService;
}

runMain(async () => {
  const service = serviceFromArgs();
  // The entry point starts the service and installs its own signal handlers.
  // From the build (`npm run start:service` compiles first): the compiled
  // entry beside this file; from source under tsx: the TypeScript one.
  const extension = path.extname(fileURLToPath(import.meta.url));
  const entry = relativeEntryOf(service).replace(/\.ts$/, extension);
  await import(new URL(`../${entry}`, import.meta.url).href);
});
