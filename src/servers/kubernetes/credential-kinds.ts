/**
 * Resources the bundled server never reads, whatever it is asked: they carry credentials
 * (Secrets, service-account tokens) or exist only to mint or check them (TokenReview,
 * TokenRequest, CertificateSigningRequest). Keyed `group/resource`, core group as ''.
 */
const credentialResources = new Set([
  '/secrets',
  '/serviceaccounts/token',
  'authentication.k8s.io/tokenreviews',
  'authentication.k8s.io/tokenrequests',
  'certificates.k8s.io/certificatesigningrequests',
]);

/** Whether reading this resource (or subresource) could reveal a credential. */
export function isCredentialResource(group: string, resource: string, subresource = ''): boolean {
  const plural = resource.toLowerCase();
  const key = `${group.toLowerCase()}/${plural}`;
  return (
    credentialResources.has(key) || (subresource !== '' && credentialResources.has(`${key}/${subresource}`))
  );
}

/**
 * The group, resource and subresource an API path names (`/api/v1/namespaces/x/secrets/y`,
 * `/apis/apps/v1/deployments`), or undefined for discovery paths that name none.
 */
export function resourceOfPath(
  path: string,
): { group: string; resource: string; subresource: string } | undefined {
  const segments = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  let rest: string[];
  let group: string;
  if (segments[0] === 'api') [group, rest] = ['', segments.slice(2)];
  else if (segments[0] === 'apis') [group, rest] = [segments[1] ?? '', segments.slice(3)];
  else return undefined;
  // `namespaces/<ns>/<resource>...` is a namespaced read; `namespaces[/<name>]` reads Namespaces.
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource, , subresource = ''] = rest;
  return resource === undefined ? undefined : { group, resource, subresource };
}
