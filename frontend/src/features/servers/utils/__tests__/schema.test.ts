import { describe, expect, it } from 'vitest';

import { schemaFields } from '../schema';

describe('schemaFields', () => {
  it('outlines properties with type, required, description and constraints, nested ones inside', () => {
    const fields = schemaFields({
      type: 'object',
      required: ['query'],
      properties: {
        query: { type: 'string', description: 'What to look for', minLength: 1 },
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
        mode: { enum: ['fast', 'exact'] },
        filters: {
          type: 'array',
          items: { type: 'object', properties: { field: { type: 'string' } }, required: ['field'] },
        },
        either: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
    });
    expect(fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ['query', 'string', true],
      ['limit', 'integer', false],
      ['mode', 'enum', false],
      ['filters', 'object[]', false],
      ['either', 'string | null', false],
    ]);
    expect(fields[0]!.notes).toEqual(['at least 1 characters']);
    expect(fields[1]!.notes).toEqual(['default 10', '≥ 1', '≤ 100']);
    expect(fields[2]!.notes).toEqual(['one of "fast", "exact"']);
    expect(fields[3]!.children).toEqual([{ name: 'field', type: 'string', required: true, notes: [], children: [], description: undefined }]);
  });

  it('has nothing to outline for no arguments or a schema that is not an object', () => {
    expect(schemaFields({ type: 'object' })).toEqual([]);
    expect(schemaFields(null)).toEqual([]);
    expect(schemaFields('string')).toEqual([]);
  });
});
