/**
 * Preloaded into every service the stack starts (`node --import`). The stack
 * opens an IPC channel to each child only so that the child notices when its
 * supervisor is gone: if `npm start` or a test run is killed outright
 * (SIGKILL, a crash), the channel closes and the service shuts itself down
 * gracefully instead of living on as an orphan that holds its port.
 */
if (process.channel) {
  // The channel alone must never keep a service alive.
  process.channel.unref();
  process.once('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
  });
}

export {};
