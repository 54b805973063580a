/**
 * A start-up failure whose message is already the one line an operator needs
 * (what is wrong and how to fix it). Entry points print it and exit 1.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
