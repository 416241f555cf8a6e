import { ConfigError } from '../config/errors.js';

/** Runs a configuration loader; a bad configuration stops the process with a message naming each field. */
export function exitOnConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`airlock: ${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}
