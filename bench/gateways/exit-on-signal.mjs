/**
 * Preloaded (`node --import`) into a gateway under the profiler: SIGTERM and
 * SIGINT exit at once, and cleanly, so that `--cpu-prof` writes its profile.
 * Apollo's own handler re-raises the signal after stopping, which would kill
 * the process before the profile is written. Loaded before the gateway, so
 * it is the first listener; plain JavaScript, so it needs no tsx (Hive
 * Gateway runs without it).
 */
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => process.exit(0));
}
