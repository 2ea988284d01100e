import { editDistance } from '../text-similarity.js';

/**
 * The forms a service name is compared in: lowercase without `-`, `_`, `.` or spaces, and also
 * without a trailing `service`/`svc`, so `cart-service`, `cart_svc` and `cartservice` meet.
 */
export function serviceNameVariants(name: string): string[] {
  const base = name.toLowerCase().replace(/[-_.\s]/g, '');
  const variants = [base];
  for (const suffix of ['service', 'svc']) {
    if (base.endsWith(suffix) && base.length > suffix.length) variants.push(base.slice(0, -suffix.length));
  }
  return variants;
}

/**
 * How well a Kubernetes name matches the name a trigger used: 3 identical, 2 identical once
 * normalised, 1 identical once a `service`/`svc` suffix is dropped from either, 0 no match.
 */
export function serviceNameMatch(query: string, candidate: string): number {
  if (query === candidate) return 3;
  const [queryBase, ...queryStripped] = serviceNameVariants(query);
  const [candidateBase, ...candidateStripped] = serviceNameVariants(candidate);
  if (queryBase === candidateBase) return 2;
  const queryForms = [queryBase, ...queryStripped];
  const candidateForms = [candidateBase, ...candidateStripped];
  return queryForms.some((form) => candidateForms.includes(form)) ? 1 : 0;
}

/** The best-matching name of `candidates`, or undefined when none matches at all. */
export function bestServiceNameMatch(query: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; strength: number } | undefined;
  for (const name of candidates) {
    const strength = serviceNameMatch(query, name);
    if (strength > 0 && (!best || strength > best.strength)) best = { name, strength };
  }
  return best?.name;
}

/**
 * Up to `limit` names ranked by likeness to `query`: names that contain it (or are contained in it)
 * first, then by edit distance of the normalised forms. Used to answer a wrong guess helpfully.
 */
export function closestServiceNames(query: string, candidates: readonly string[], limit = 5): string[] {
  const queryForms = serviceNameVariants(query).filter((form) => form.length > 0);
  const ranked = [...new Set(candidates)].map((name) => {
    const forms = serviceNameVariants(name);
    const contains = queryForms.some((q) =>
      forms.some((c) => Math.min(q.length, c.length) >= 3 && (c.includes(q) || q.includes(c))),
    );
    const distance = Math.min(...queryForms.flatMap((q) => forms.map((c) => editDistance(q, c))));
    return { name, contains, distance };
  });
  ranked.sort(
    (a, b) =>
      Number(b.contains) - Number(a.contains) || a.distance - b.distance || a.name.localeCompare(b.name),
  );
  return ranked.slice(0, limit).map((entry) => entry.name);
}
