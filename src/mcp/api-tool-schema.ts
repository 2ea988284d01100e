/** A tool input schema the Messages API accepts, and what had to change to get it. */
export interface ApiToolSchema {
  schema: Record<string, unknown>;
  /** In words, for `config check`; empty when the schema was accepted as it was. */
  changes: string[];
}

const COMBINATORS = ['oneOf', 'anyOf', 'allOf'] as const;
/** Top-level keywords the API rejects or that make no sense for a tool's argument object. */
const DROPPED_TOP_LEVEL = ['not', 'if', 'then', 'else', 'dependentSchemas', 'dependencies'] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/**
 * The Messages API takes a tool's `input_schema` only as a JSON Schema object with `type: "object"`
 * at the top and no `oneOf`/`anyOf`/`allOf` there (a 400 "input_schema does not support oneOf,
 * allOf, or anyOf at the top level" fails the whole request). Community MCP servers publish such
 * schemas (a zod union or discriminated union); one of them must not cost the run its model. The
 * branches' properties are merged in as optional (the tool still validates its arguments itself),
 * `required` keeps only what every branch requires.
 */
export function toolSchemaForApi(input: unknown): ApiToolSchema {
  const changes: string[] = [];
  const schema: Record<string, unknown> = isObject(input) ? { ...input } : {};
  if (!isObject(input)) changes.push('the schema was not an object; replaced by an empty object schema');
  if (schema.type !== 'object') {
    if (schema.type !== undefined)
      changes.push(`top-level type '${String(schema.type)}' replaced by 'object'`);
    schema.type = 'object';
  }
  const properties: Record<string, unknown> = isObject(schema.properties) ? { ...schema.properties } : {};
  let required: string[] | undefined = Array.isArray(schema.required)
    ? schema.required.filter((r): r is string => typeof r === 'string')
    : undefined;
  for (const keyword of COMBINATORS) {
    const branches = schema[keyword];
    if (branches === undefined) continue;
    delete schema[keyword];
    changes.push(`top-level ${keyword} removed (its properties kept as optional)`);
    const list = Array.isArray(branches) ? branches.filter(isObject) : [];
    for (const branch of list)
      if (isObject(branch.properties))
        for (const [name, value] of Object.entries(branch.properties)) properties[name] ??= value;
    // allOf branches all apply, so their requirements stand; of oneOf/anyOf only the shared ones.
    const branchRequired = list.map((b) =>
      Array.isArray(b.required) ? b.required.filter((r): r is string => typeof r === 'string') : [],
    );
    if (keyword === 'allOf') required = [...new Set([...(required ?? []), ...branchRequired.flat()])];
    else if (branchRequired.length) {
      const shared = branchRequired.reduce((a, b) => a.filter((r) => b.includes(r)));
      required = [...new Set([...(required ?? []), ...shared])];
    }
  }
  for (const keyword of DROPPED_TOP_LEVEL) {
    if (schema[keyword] === undefined) continue;
    delete schema[keyword];
    changes.push(`top-level ${keyword} removed`);
  }
  schema.properties = properties;
  if (required?.length) schema.required = required.filter((r) => r in properties);
  else delete schema.required;
  return { schema: compact(schema) as Record<string, unknown>, changes };
}

/**
 * Every tool definition is sent on every turn (and written to the cache once): drop what tells
 * the model nothing — `$schema`, and the ±2^53 bounds zod puts on every integer.
 */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$schema') continue;
    if (
      (key === 'maximum' || key === 'minimum') &&
      typeof v === 'number' &&
      Math.abs(v) >= Number.MAX_SAFE_INTEGER
    )
      continue;
    out[key] = compact(v);
  }
  return out;
}
