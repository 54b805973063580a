import { runMain } from '../platform/lifecycle.js';
import { ensureBuild } from './lib/build.js';

/**
 * `npm run build`: compiles the services to JavaScript in .cache/build/<hash>
 * (linked as .cache/build/current). `npm start`, `npm run start:service` and
 * the test and benchmark stacks do it themselves; this is for an image build.
 */
runMain(async () => {
  const dir = await ensureBuild();
  process.stdout.write(`${dir}\n`);
});
