import { describe, expect, it } from 'vitest';

import { newRow, rowProblems, scopeNameProblem, toRow, toRule } from '../rules';

describe('scope rules', () => {
  it('reads the API’s defaults and writes canonical rules', () => {
    expect(toRow({ server: 'weather' })).toEqual({
      server: 'weather',
      permissions: ['read', 'execute'],
      methods: ['*'],
      tools: ['*'],
      ui: false,
    });
    expect(
      toRule({ server: ' weather ', permissions: ['execute', 'read'], methods: ['tools/call', '*'], tools: ['b', 'a', 'a', ' '], ui: true }),
    ).toEqual({ server: 'weather', permissions: ['read', 'execute'], methods: ['*'], tools: ['b', 'a'], ui: true });
  });

  it('names what each row lacks', () => {
    const problems = rowProblems([newRow(), { ...newRow(), server: 'x', permissions: [] }, { ...newRow(), server: 'x', methods: [] }, { ...newRow(), server: '*' }]);
    expect([...problems.keys()]).toEqual([0, 1, 2]);
    expect(problems.get(0)).toMatch(/Name a server/);
    expect(problems.get(1)).toMatch(/at least one permission/);
    expect(problems.get(2)).toMatch(/methods/);
  });

  it('checks a new scope’s name', () => {
    expect(scopeNameProblem(' ', [])).toMatch(/Give the scope a name/);
    expect(scopeNameProblem('a b', [])).toMatch(/no spaces/);
    expect(scopeNameProblem('ops', ['ops'])).toMatch(/exists/);
    expect(scopeNameProblem('ops/execute', ['ops'])).toBeUndefined();
  });
});
