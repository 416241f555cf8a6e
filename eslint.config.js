// Lint guards what the compiler cannot: workflow determinism and promises nobody awaits.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'scripts/**', 'eslint.config.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself tracks.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    // Workflow code is replayed: no Node built-ins, no I/O libraries, no zod (rebuilt per run).
    files: ['workflows/**/*.ts', 'domain/tiers.ts', 'domain/approval-rules.ts', 'domain/routing.ts', 'domain/state.ts', 'domain/status.ts', 'domain/glob.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'workflow code must stay deterministic: do I/O in activities' },
            { group: ['fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process'], message: 'workflow code must stay deterministic: do I/O in activities' },
            { group: ['zod', 'pino', 'express', '@slack/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], allowTypeImports: true, message: 'not in the workflow bundle' },
          ],
        },
      ],
    },
  },
);
