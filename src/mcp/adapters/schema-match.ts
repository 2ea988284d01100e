/** JSON Schema types an adapter may send a property as. */
export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

/**
 * What an adapter sends a tool: the properties it always fills (`sends`) and those it fills when it
 * has them (`mayFill`). A tool is usable for a capability when it takes every property sent, with
 * a compatible type, and requires nothing the adapter cannot fill.
 */
export interface ToolShape {
  sends: Readonly<Record<string, JsonType>>;
  mayFill?: Readonly<Record<string, JsonType>>;
}

interface PropertySchema {
  type?: string | string[];
  anyOf?: PropertySchema[];
  oneOf?: PropertySchema[];
}

function typesOf(schema: PropertySchema | undefined): string[] {
  if (!schema) return [];
  const own = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return [...own, ...[...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].flatMap(typesOf)];
}

/** Whether a property declared as `declared` (empty: any) takes a value of type `sent`. */
function typeFits(declared: string[], sent: JsonType): boolean {
  if (declared.length === 0) return true;
  if (declared.includes(sent)) return true;
  // An integer is a number; a number sent where an integer is declared is the adapter's to round.
  return (
    (sent === 'integer' && declared.includes('number')) || (sent === 'number' && declared.includes('integer'))
  );
}

/**
 * Why a tool's input schema does not take what an adapter sends, or null when it does. Reads only
 * `properties`, `required` and their `type`s: the part of JSON Schema every MCP server publishes.
 */
export function whyNotAccepted(inputSchema: unknown, shape: ToolShape): string | null {
  const schema = (inputSchema ?? {}) as { properties?: Record<string, PropertySchema>; required?: unknown };
  const properties = schema.properties ?? {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [];
  const fills = { ...shape.mayFill, ...shape.sends };
  for (const [name, type] of Object.entries(shape.sends)) {
    const declared = properties[name];
    if (!declared) return `takes no '${name}'`;
    const types = typesOf(declared);
    if (!typeFits(types, type)) return `'${name}' is ${types.join('|')}, not ${type}`;
  }
  for (const name of required as string[]) {
    if (!(name in fills)) return `requires '${name}', which this capability does not supply`;
  }
  for (const [name, type] of Object.entries(shape.mayFill ?? {})) {
    const declared = properties[name];
    if (declared && !typeFits(typesOf(declared), type))
      return `'${name}' is ${typesOf(declared).join('|')}, not ${type}`;
  }
  return null;
}
