import { runMain } from '../platform/lifecycle.js';
import { startGateway } from './server.js';

runMain(async () => {
  const gateway = await startGateway();
  gateway.lifecycle.listen();
});
