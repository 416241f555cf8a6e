import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './env.js';

/** Runs the operator CLI (`dist/cli/airlock.js`) as a user would. */
export function runCli(url: string, key: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'airlock.js'), ...args], {
      env: { ...process.env, AIRLOCK_URL: url, AIRLOCK_KEY: key },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
