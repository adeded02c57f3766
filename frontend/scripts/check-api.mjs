// Fails when src/lib/api/schema.d.ts is not what `npm run gen:api` makes from
// ../openapi.yaml, so the committed API types can never drift from the spec.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const spec = resolve(root, '../openapi.yaml');
const committed = resolve(root, 'src/lib/api/schema.d.ts');
const dir = mkdtempSync(join(tmpdir(), 'mcpgw-api-'));
const fresh = join(dir, 'schema.d.ts');

try {
  execFileSync(
    process.execPath,
    [resolve(root, 'node_modules/openapi-typescript/bin/cli.js'), spec, '--empty-objects-unknown', '-o', fresh],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let current = '';
  try {
    current = readFileSync(committed, 'utf8');
  } catch {
    // missing file: reported below as out of date
  }
  if (current !== readFileSync(fresh, 'utf8')) {
    console.error(
      'check:api: src/lib/api/schema.d.ts is out of date with ../openapi.yaml.\n' +
        'Run `npm run gen:api` in frontend/ and commit the result.',
    );
    process.exit(1);
  }
  console.log('check:api: src/lib/api/schema.d.ts matches ../openapi.yaml');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
