import type { KubeObject } from './scenario-types.js';
import type { KubeResource } from './kube-resources.js';
import { tablePrinterFor } from './kube-table-columns.js';
import type { TablePrinter } from './kube-columns.js';
import { badRequest } from './kube-status.js';

/** What the client asked for in its Accept header, in the server's order of preference. */
export type ResponseShape =
  | { as: 'Table'; apiVersion: string }
  | { as: 'PartialObjectMetadata'; apiVersion: string }
  | { as: 'object' };

/**
 * Read the Accept header the way the API server negotiates it: kubectl asks
 * `application/json;as=Table;v=v1;g=meta.k8s.io,application/json`; metadata-only clients ask
 * `as=PartialObjectMetadata` (or `...List`). The first alternative the sandbox can serve wins.
 */
export function negotiateShape(accept: string | undefined): ResponseShape {
  for (const alternative of (accept ?? '').split(',')) {
    const params = new Map(
      alternative
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    const as = params.get('as');
    if (as === undefined) {
      if (/json|\*\/\*/.test(alternative)) return { as: 'object' };
      continue;
    }
    const group = params.get('g');
    const version = params.get('v') ?? 'v1';
    if (group !== 'meta.k8s.io' || !['v1', 'v1beta1'].includes(version)) continue;
    if (as === 'Table') return { as: 'Table', apiVersion: `meta.k8s.io/${version}` };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      return { as: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}` };
    }
  }
  return { as: 'object' };
}

function partial(object: KubeObject, apiVersion: string) {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: object.metadata };
}

/**
 * A meta.k8s.io Table of `objects`, with kubectl-like columns for the resource. `includeObject`
 * (None, Metadata (default) or Object) decides what each row carries next to its cells.
 */
export function buildTable(
  resource: KubeResource,
  objects: KubeObject[],
  options: {
    apiVersion: string;
    includeObject: string | null;
    now: Date;
    resourceVersion: string;
    /** Columns for a custom resource (from its CRD); builtin kinds have theirs. */
    printer?: TablePrinter | undefined;
  },
) {
  const include = options.includeObject ?? 'Metadata';
  if (!['None', 'Metadata', 'Object'].includes(include)) {
    throw badRequest(
      `includeObject: Unsupported value: "${include}": supported values: "Metadata", "None", "Object"`,
    );
  }
  const printer = options.printer ?? tablePrinterFor(resource.group, resource.plural);
  return {
    kind: 'Table',
    apiVersion: options.apiVersion,
    metadata: { resourceVersion: options.resourceVersion },
    columnDefinitions: printer.columns,
    rows: objects.map((object) => ({
      cells: printer.cells(object, options.now),
      ...(include === 'None'
        ? {}
        : { object: include === 'Object' ? object : partial(object, options.apiVersion) }),
    })),
  };
}

/** A PartialObjectMetadataList (or one PartialObjectMetadata) for metadata-only clients. */
export function buildMetadataResponse(
  objects: KubeObject[] | KubeObject,
  apiVersion: string,
  resourceVersion: string,
) {
  if (!Array.isArray(objects)) return partial(objects, apiVersion);
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion,
    metadata: { resourceVersion },
    items: objects.map((object) => partial(object, apiVersion)),
  };
}
