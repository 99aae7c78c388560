/** Deposits and withdrawals complete after the POST answers (the channel calls back): wait a
 * little for the outcome so the account page can say it and show the new balance. */
import { http, type Schemas } from './api/http'
import { okPage } from './api/page'

export type FundsMovement = Schemas['DepositOut'] | Schemas['WithdrawalOut']

export const FINAL = ['succeeded', 'failed']

/** The movement once it is final, or as last seen when it is still in progress. */
export async function awaitOutcome(
  movement: FundsMovement,
  kind: 'deposits' | 'withdrawals',
  { attempts = 10, delayMs = 700 } = {},
): Promise<FundsMovement> {
  let latest = movement
  for (let attempt = 0; attempt < attempts && !FINAL.includes(latest.status); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, delayMs))
    try {
      const query = { limit: 10 }
      const page: { items: FundsMovement[] } = kind === 'deposits'
        ? await okPage(http.GET('/api/v1/me/deposits', { params: { query } }))
        : await okPage(http.GET('/api/v1/me/withdrawals', { params: { query } }))
      latest = page.items.find((item) => String(item.id) === String(movement.id)) ?? latest
    } catch {
      // A failed look-up only ends the wait early; the movement itself was accepted.
      break
    }
  }
  return latest
}
