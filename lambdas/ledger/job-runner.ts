import { readMessage } from '../core/messages';
import { logger } from '../core/logger';
import { correct } from './correction';
import { ledgerMessageSchema, sendLedgerMessage } from './jobs';
import { advance } from './payouts';

/** Time a message may use before it hands the rest to a continuation of its own. */
const reserveMs = 8_000;

/**
 * One ledger-queue message. A message that cannot be read is a bug that no retry fixes: it is
 * thrown (so it reaches the DLQ after its retries) with what was wrong.
 */
export const handleLedgerMessage = async (body: string, remainingMs: () => number): Promise<string> => {
  const message = readMessage(body, ledgerMessageSchema, 'ledger job');
  if (message.kind === 'correct') {
    const outcome = await correct(message, remainingMs);
    logger.info('Ledger correction', { merchantId: message.merchantId, outcome });
    return outcome;
  }
  const scope = { merchantId: message.merchantId, mode: message.mode };
  const payout = await advance(scope, message.payoutId, Date.now() + Math.max(0, remainingMs() - reserveMs));
  if (payout.status === 'paying') await sendLedgerMessage(message);
  logger.info('Payout', { merchantId: message.merchantId, payoutId: payout.id, status: payout.status, commissionCount: payout.commissionCount });
  return payout.status;
};
