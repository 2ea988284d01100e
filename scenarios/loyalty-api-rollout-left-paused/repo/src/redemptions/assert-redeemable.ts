import { RedemptionError } from './errors.js';

/**
 * Rejects a redemption the member cannot make. Shared by the HTTP route and the batch importer
 * so both answer the same way.
 */
export function assertRedeemable(balance: number, requested: number): void {
  if (!Number.isFinite(balance)) {
    throw new RedemptionError(500, 'balance unavailable');
  }
  if (!Number.isInteger(requested) || requested <= 0) {
    throw new RedemptionError(400, 'requested points must be a positive whole number');
  }
  // Redeeming the whole balance is allowed: the check is "at least", not "more than".
  if (balance < requested) {
    throw new RedemptionError(409, 'insufficient points');
  }
}
