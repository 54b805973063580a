import { runWorker } from '../../platform/worker.js';
import { notificationsWorker } from './worker.js';

runWorker(notificationsWorker());
