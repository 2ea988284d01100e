// kubectl and client-go send access reviews as protobuf (`application/vnd.kubernetes.protobuf`):
// the magic `k8s\0`, then a runtime.Unknown whose field 2 holds the object. These few readers
// decode the review specs (k8s.io/api/authorization/v1 generated.proto) without a protobuf library.

/** Field number → every value of that field, length-delimited fields as bytes, varints as numbers. */
type Fields = Map<number, (Buffer | number)[]>;

function readVarint(buffer: Buffer, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    const byte = buffer[position];
    if (byte === undefined) throw new Error('truncated varint');
    value += (byte & 0x7f) * 2 ** shift;
    position += 1;
    if ((byte & 0x80) === 0) return [value, position];
    shift += 7;
    if (shift > 63) throw new Error('varint too long');
  }
}

/** The fields of one message. Throws on bytes that are not protobuf. */
function readFields(buffer: Buffer): Fields {
  const fields: Fields = new Map();
  let offset = 0;
  while (offset < buffer.length) {
    const [key, afterKey] = readVarint(buffer, offset);
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    let value: Buffer | number;
    if (wireType === 0) {
      [value, offset] = readVarint(buffer, afterKey);
    } else if (wireType === 2) {
      const [length, start] = readVarint(buffer, afterKey);
      if (start + length > buffer.length) throw new Error('truncated field');
      value = buffer.subarray(start, start + length);
      offset = start + length;
    } else if (wireType === 1 || wireType === 5) {
      offset = afterKey + (wireType === 1 ? 8 : 4);
      continue;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const text = (fields: Fields, field: number): string | undefined => {
  const value = fields.get(field)?.at(-1);
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
};
const message = (fields: Fields, field: number): Fields | undefined => {
  const value = fields.get(field)?.at(-1);
  return Buffer.isBuffer(value) ? readFields(value) : undefined;
};

/** Only the non-empty strings, as the JSON form would carry them. */
function strings(entries: [string, string | undefined][]): Record<string, string> {
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => !!entry[1]));
}

/** The spec message (field 2 of the object in the envelope). Throws when the body is not one. */
function specOf(body: Buffer): Fields {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new Error('no protobuf envelope');
  const unknown = readFields(body.subarray(4));
  const raw = unknown.get(2)?.at(-1);
  if (!Buffer.isBuffer(raw)) throw new Error('empty envelope');
  return message(readFields(raw), 2) ?? new Map();
}

/** The `spec` of a SelfSubjectRulesReview sent as protobuf: `{namespace}`. */
export function decodeRulesReviewSpec(body: Buffer): Record<string, unknown> {
  return strings([['namespace', text(specOf(body), 1)]]);
}

/**
 * The `spec` of a SelfSubjectAccessReview, SubjectAccessReview or LocalSubjectAccessReview sent
 * as protobuf, in its JSON shape. Throws when the body is not such a message.
 */
export function decodeAccessReviewSpec(body: Buffer): Record<string, unknown> {
  const spec = specOf(body);
  const resource = message(spec, 1);
  const nonResource = message(spec, 2);
  const groups = (spec.get(4) ?? [])
    .filter((g): g is Buffer => Buffer.isBuffer(g))
    .map((g) => g.toString('utf8'));
  return {
    ...(resource
      ? {
          resourceAttributes: strings([
            ['namespace', text(resource, 1)],
            ['verb', text(resource, 2)],
            ['group', text(resource, 3)],
            ['version', text(resource, 4)],
            ['resource', text(resource, 5)],
            ['subresource', text(resource, 6)],
            ['name', text(resource, 7)],
          ]),
        }
      : {}),
    ...(nonResource
      ? {
          nonResourceAttributes: strings([
            ['path', text(nonResource, 1)],
            ['verb', text(nonResource, 2)],
          ]),
        }
      : {}),
    ...strings([
      ['user', text(spec, 3)],
      ['uid', text(spec, 6)],
    ]),
    ...(groups.length ? { groups } : {}),
  };
}
