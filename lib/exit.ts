import { ConfigError } from '../config/errors.js';

function exitOn(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`airlock: ${err.message}\n`);
  process.exit(78); // EX_CONFIG
}

/** Runs a configuration loader; a bad configuration stops the process with a message naming each field. */
export function exitOnConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    return exitOn(err);
  }
}

/** {@link exitOnConfigError} for a loader that reads files asynchronously (the grant keys). */
export async function exitOnConfigErrorAsync<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    return exitOn(err);
  }
}
