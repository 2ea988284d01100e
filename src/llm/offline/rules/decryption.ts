import type { EngineContext } from '../../engine.js';
import { quote } from '../quote.js';
import { suspectOf } from '../tool-data.js';
import { loggedEvidence, loggedMatches } from './logged.js';
import { recentCommitDetails } from './recent-change.js';
import { times, type Rule } from './verdict.js';

/**
 * Decryption that fails on authentication, not on I/O: the key the process holds does not match the
 * data (Rails' MessageEncryptor::InvalidMessage, OpenSSL's "bad decrypt", Go's "cipher: message
 * authentication failed", .NET's "Padding is invalid", sops/age and Fernet's InvalidToken).
 */
const DECRYPT_FAILED =
  /MessageEncryptor::InvalidMessage|InvalidMessage|bad decrypt|message authentication failed|Padding is invalid and cannot be removed|InvalidCiphertext|cryptography\.fernet\.InvalidToken|Failed to get the data key|no identity matched any of the recipients|could not decrypt|unable to decrypt|decryption failed/i;

/** Encrypted files in a repository: Rails credentials, sops and git-crypt files, sealed secrets. */
const ENCRYPTED_FILE = /\.(enc|gpg|age|asc)$|(^|\/)credentials\/|\.sops\.|sealed-?secret|\.encrypted\./i;

/**
 * The process cannot decrypt its own encrypted configuration: the encrypted file and the key the
 * process is given (RAILS_MASTER_KEY, an age/KMS key, a Fernet key in a Secret) no longer belong
 * together — the file was re-encrypted with a new key that the deployment's Secret does not have,
 * or the key was rotated and the file was not. The commit that changed the encrypted file is the
 * suspect; the fix is to give the pods the matching key.
 */
export const decryptionRule: Rule = async (ctx, facts) => {
  const { total, top } = loggedMatches(facts, DECRYPT_FAILED, (s) => s.kind !== 'warning');
  if (!top) return null;
  ctx.casebook.evidence.push(loggedEvidence(top));
  const change = await encryptedFileChange(ctx);
  if (change) {
    ctx.casebook.suspectFiles.unshift({ path: change.path });
    ctx.casebook.suspectCommits.unshift(suspectOf(change.commit));
    ctx.casebook.evidence.push({
      source: 'github',
      detail: `Commit ${change.commit.sha.slice(0, 7)} "${quote((change.commit.message ?? '').split('\n')[0] ?? '', 100)}" (${change.commit.author ?? 'unknown'}, ${change.commit.date ?? ''}) changed the encrypted file ${change.path}.`,
      ref: change.commit.sha,
    });
  }
  return {
    status: 'diagnosed',
    summary: `${facts.service} cannot decrypt its encrypted configuration (${times(total)}): the key it is given does not match the data${change ? `, which commit ${change.commit.sha.slice(0, 7)} re-encrypted (${change.path})` : ''}.`,
    statement: `Decryption fails: "${quote(top.s.sample, 200)}". The encrypted credentials/configuration and the key the pods are given (a master key or data key from a Secret or environment variable) no longer match: the file was re-encrypted with a new key, or the key was rotated, and the other side was not updated.${change ? ` Commit ${change.commit.sha.slice(0, 7)} changed the encrypted file ${change.path}.` : ''}`,
    confidence: change ? 'high' : 'medium',
    fix: `Give the pods the key the file is now encrypted with (update the Secret holding the master/data key, then restart the rollout), or revert the encrypted file${change ? ` to before ${change.commit.sha.slice(0, 7)}` : ''}; never commit the key itself.`,
    objects: facts.listing.workload ? [facts.listing.workload] : [],
    notFromChange: true,
  };
};

/** The newest recent commit that changed an encrypted file. */
async function encryptedFileChange(ctx: EngineContext) {
  for (const detail of await recentCommitDetails(ctx, { read: 10 })) {
    const path = detail.files.find((f) => ENCRYPTED_FILE.test(f.path))?.path;
    if (path) return { commit: detail, path };
  }
  return null;
}
