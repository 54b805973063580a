import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * Preloaded (NODE_OPTIONS=--import) into a service the benchmark profiles:
 * Node 20 refuses --cpu-prof in NODE_OPTIONS, and the stack starts services
 * with fixed arguments, so the profiler is started from inside instead. The
 * profile (Chrome DevTools format, like --cpu-prof's) is written on exit to
 * BENCH_CPU_PROF_FILE.
 */

const file = process.env.BENCH_CPU_PROF_FILE;
if (file) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // An in-thread inspector session answers synchronously, so this completes inside 'exit'.
  process.once('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}

export {};
