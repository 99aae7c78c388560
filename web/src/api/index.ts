/** The app's one transport (`ApiClient`: tokens, refresh, problem+json, `Accept-Language`) and
 * the problem codes views act on. Endpoints are called through the typed client, `./http`. */
import { ApiClient } from './client'

export const client = new ApiClient()

/** The 403 a purchase above one's risk level gets until the investor confirms the warning. */
export const SUITABILITY_MISMATCH = 'investment.suitability_mismatch'
/** A purchase made against a disclosure or warning that has since been revised. */
export const OUTDATED_TEXT_CODES = ['investment.disclosure_outdated', 'investment.warning_outdated']
/** Login refused until the phone or email is confirmed with the code sent to it. */
export const CONTACT_UNCONFIRMED = 'identity.contact_unconfirmed'
