import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/env.js';

describe('npm scripts', () => {
  it('every compiled entry point a script runs exists', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const entries = Object.values(scripts).flatMap((cmd) => cmd.match(/dist\/\S+\.js/g) ?? []);
    assert.ok(entries.length >= 5, `found ${entries.join(', ')}`);
    for (const entry of entries) assert.ok(existsSync(join(ROOT, entry)), `${entry} is missing`);
    assert.match(scripts.start ?? '', /dist\/service\/start\.js/);
  });

  it('.ci/run calls the README’s test command', () => {
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').slice(0, 10).join('\n');
    assert.match(ci, /^npm test$/m);
    assert.match(readme, /^npm start\b/m);
    assert.match(readme, /^npm test\b/m);
  });
});
