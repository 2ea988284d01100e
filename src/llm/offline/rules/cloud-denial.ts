/**
 * A cloud SDK's refusal as the application logs it (AWS, Google Cloud, Azure), read for what the
 * workload-identity diagnosis needs: which identity the call ran as, and whether that identity is
 * the node's rather than one the pod's ServiceAccount maps to.
 */

export type Cloud = 'aws' | 'gcp' | 'azure';

export interface CloudDenial {
  cloud: Cloud;
  /** The identity the call ran as, as the error names it (a role, a service account, a client id). */
  principal?: string;
  /** A short name of that identity: the role name, the service account's e-mail. */
  principalName?: string;
  /** The identity is the node's: an EC2 instance-profile session, the default compute account, IMDS. */
  nodeIdentity: boolean;
  /** No credentials were found at all (no web identity token, no metadata endpoint answered). */
  noCredentials: boolean;
  /** The cloud refused to exchange the pod's token for the role: the trust side of the mapping. */
  trustRefused: boolean;
  /** A long-lived key (an IAM user), not a workload identity. */
  staticKey: boolean;
  /** The permission refused (`s3:PutObject`, `storage.objects.create`, an Azure action). */
  action?: string;
}

/** Words that mark a line as a cloud SDK's refusal or credential failure, per cloud. */
export const CLOUD_FAILURE: Record<Cloud, RegExp> = {
  aws: /arn:aws[\w-]*:(?:sts|iam)::\d{12}:(?:assumed-role|user)\/|Unable to locate credentials|NoCredentialProviders|Could not load credentials from any providers|Unable to load credentials from any of the providers|no EC2 IMDS role found|failed to refresh cached credentials|sts:AssumeRoleWithWebIdentity|InvalidIdentityToken/,
  gcp: /Permission '[\w.]+' denied on resource|Caller does not have [\w.]+ access|[\w-]+@[\w-]+\.iam\.gserviceaccount\.com|\d+-compute@developer\.gserviceaccount\.com|svc\.id\.goog\[|insufficient authentication scopes|ACCESS_TOKEN_SCOPE_INSUFFICIENT|Could not automatically determine credentials|DefaultCredentialsError/,
  azure:
    /ManagedIdentityCredential|WorkloadIdentityCredential|DefaultAzureCredential failed|No User Assigned or Delegated Managed Identity|AZURE_FEDERATED_TOKEN_FILE|AADSTS70021|AuthorizationFailed|AuthorizationPermissionMismatch|does not have authorization to perform action|169\.254\.169\.254.*(?:metadata\/identity|oauth2)/,
};

/** A refusal, not a success line that happens to print an ARN. */
const REFUSED =
  /AccessDenied|not authorized|UnauthorizedOperation|Forbidden|\b403\b|PERMISSION_DENIED|Permission '[^']+' denied|does not have [\w.]+ access|insufficient authentication scopes|ACCESS_TOKEN_SCOPE_INSUFFICIENT|AuthorizationFailed|AuthorizationPermissionMismatch|does not have authorization|Unable to locate credentials|NoCredentialProviders|Could not load credentials|Unable to load credentials|failed to refresh cached credentials|no EC2 IMDS role|authentication unavailable|authentication failed|failed to retrieve a token|No User Assigned|Could not automatically determine credentials|DefaultCredentialsError|InvalidIdentityToken|AADSTS\d+/i;

const AWS_ASSUMED = /arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)/;
const AWS_USER = /arn:aws[\w-]*:iam::\d{12}:user\/[\w+=,.@/-]+/;
const AWS_ACTION = /not authorized to perform:? ([\w-]+:[\w*-]+)/;
const AWS_NO_CREDENTIALS =
  /Unable to locate credentials|NoCredentialProviders|Could not load credentials from any providers|Unable to load credentials from any of the providers|no EC2 IMDS role found|failed to refresh cached credentials/;
const AWS_TRUST = /sts:AssumeRoleWithWebIdentity|InvalidIdentityToken/;

const GCP_DEFAULT = /\b(\d+-compute@developer\.gserviceaccount\.com)/;
const GCP_ACCOUNT = /\b([\w-]+@[\w-]+\.iam\.gserviceaccount\.com)/;
const GCP_POOL = /\b([\w-]+\.svc\.id\.goog\[[\w-]+\/[\w-]+\])/;
const GCP_ACTION = /Permission '([\w.]+)' denied|does not have ([\w.]+) access|permission ([a-z]+\.[\w.]+)/;
const GCP_SCOPES = /insufficient authentication scopes|ACCESS_TOKEN_SCOPE_INSUFFICIENT/;
const GCP_NO_CREDENTIALS = /Could not automatically determine credentials|DefaultCredentialsError/;

const AZURE_NO_IDENTITY =
  /ManagedIdentityCredential authentication (?:unavailable|failed)|WorkloadIdentityCredential authentication unavailable|No User Assigned or Delegated Managed Identity|DefaultAzureCredential failed to retrieve a token|AZURE_FEDERATED_TOKEN_FILE|169\.254\.169\.254/;
const AZURE_CLIENT = /client '([0-9a-f-]{36})'/i;
const AZURE_ACTION = /perform action '([^']+)'/;

/** The cloud denial in a log line, or null when the line is none. */
export function parseCloudDenial(line: string): CloudDenial | null {
  const text = line.replace(/\\+"/g, '"');
  if (!REFUSED.test(text)) return null;
  const base = { nodeIdentity: false, noCredentials: false, trustRefused: false, staticKey: false };
  if (CLOUD_FAILURE.aws.test(text)) {
    const assumed = text.match(AWS_ASSUMED);
    const action = text.match(AWS_ACTION)?.[1];
    return {
      ...base,
      cloud: 'aws',
      ...(assumed ? { principal: assumed[0], principalName: assumed[2] } : {}),
      ...(!assumed && AWS_USER.test(text) ? { principal: text.match(AWS_USER)?.[0] } : {}),
      ...(action ? { action } : {}),
      // EC2 names an instance profile's session after the instance: `…/i-0abc…`.
      nodeIdentity: /^i-[0-9a-f]{8,17}$/.test(assumed?.[3] ?? ''),
      noCredentials: AWS_NO_CREDENTIALS.test(text),
      trustRefused: AWS_TRUST.test(text),
      staticKey: !assumed && AWS_USER.test(text),
    };
  }
  if (CLOUD_FAILURE.gcp.test(text)) {
    const principal =
      text.match(GCP_DEFAULT)?.[1] ?? text.match(GCP_ACCOUNT)?.[1] ?? text.match(GCP_POOL)?.[1];
    const action = text.match(GCP_ACTION)?.slice(1).find(Boolean);
    return {
      ...base,
      cloud: 'gcp',
      ...(principal ? { principal, principalName: principal } : {}),
      ...(action ? { action } : {}),
      // The Compute Engine default account, or a token limited by the node's access scopes.
      nodeIdentity: GCP_DEFAULT.test(text) || GCP_SCOPES.test(text),
      noCredentials: GCP_NO_CREDENTIALS.test(text),
    };
  }
  if (CLOUD_FAILURE.azure.test(text)) {
    const client = text.match(AZURE_CLIENT)?.[1];
    const action = text.match(AZURE_ACTION)?.[1];
    return {
      ...base,
      cloud: 'azure',
      ...(client ? { principal: client, principalName: client } : {}),
      ...(action ? { action } : {}),
      noCredentials: AZURE_NO_IDENTITY.test(text),
      trustRefused: /AADSTS70021/.test(text),
    };
  }
  return null;
}
