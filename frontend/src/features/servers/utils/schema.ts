/**
 * A readable outline of a tool's JSON Schema for its arguments: one entry
 * per property, with its type, whether it is required, its description and
 * its constraints, nested properties under their parent.
 */
export type SchemaField = {
  name: string;
  type: string;
  required: boolean;
  description?: string;
  /** enum values, default, bounds, format: short phrases. */
  notes: string[];
  children: SchemaField[];
};

type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
};

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(schema: JsonSchema): string {
  if (schema.$ref) return schema.$ref.replace(/^#\/(\$defs|definitions)\//, '');
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.filter(isSchema).map(typeOf).join(' | ') || 'any';
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
  if (type === 'array') return `${isSchema(schema.items) ? typeOf(schema.items) : 'any'}[]`;
  return type ?? (schema.enum ? 'enum' : 'any');
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

function notesOf(schema: JsonSchema): string[] {
  const notes: string[] = [];
  if (schema.enum) notes.push(`one of ${schema.enum.map(show).join(', ')}`);
  if (schema.const !== undefined) notes.push(`always ${show(schema.const)}`);
  if (schema.default !== undefined) notes.push(`default ${show(schema.default)}`);
  if (schema.format) notes.push(`format ${schema.format}`);
  if (schema.minimum !== undefined) notes.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) notes.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) notes.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) notes.push(`at most ${schema.maxLength} characters`);
  return notes;
}

const MAX_DEPTH = 4;

function fieldsOf(schema: JsonSchema, depth: number): SchemaField[] {
  const object = schema.type === 'array' && isSchema(schema.items) ? schema.items : schema;
  if (!isSchema(object.properties) || depth > MAX_DEPTH) return [];
  const required = new Set(Array.isArray(object.required) ? object.required : []);
  return Object.entries(object.properties)
    .filter((entry): entry is [string, JsonSchema] => isSchema(entry[1]))
    .map(([name, property]) => ({
      name,
      type: typeOf(property),
      required: required.has(name),
      description: typeof property.description === 'string' ? property.description : undefined,
      notes: notesOf(property),
      children: fieldsOf(property, depth + 1),
    }));
}

/** The schema's arguments, or [] for a tool that takes none (or a schema too odd to outline). */
export function schemaFields(schema: unknown): SchemaField[] {
  return isSchema(schema) ? fieldsOf(schema, 0) : [];
}
