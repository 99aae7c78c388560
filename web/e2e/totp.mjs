// RFC 6238 codes for the browser journeys' staff accounts. The server accepts each time step
// once per user, and every journey runs in a process of its own against the same server: the
// last step used for a secret is kept in a file, so a second sign-in of the same user, in this
// process or the next one, waits for the following step instead of being refused.
import { createHash, createHmac } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const STEP_MS = 30000
const stateDir = join(process.env.FINPLAT_E2E_STATE_DIR ?? tmpdir(), 'finplat-e2e-totp')

function stepFile(secret) {
  return join(stateDir, createHash('sha256').update(secret).digest('hex').slice(0, 16))
}

function lastStep(secret) {
  try {
    return Number(readFileSync(stepFile(secret), 'utf8')) || -1
  } catch {
    return -1
  }
}

export async function totp(secret) {
  let counter = Math.floor(Date.now() / STEP_MS)
  const last = lastStep(secret)
  if (counter <= last) {
    await new Promise((done) => setTimeout(done, (last + 1) * STEP_MS - Date.now() + 200))
    counter = Math.floor(Date.now() / STEP_MS)
  }
  mkdirSync(stateDir, { recursive: true })
  writeFileSync(stepFile(secret), String(counter))
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const char of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, '0')
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)))
  const message = Buffer.alloc(8)
  message.writeBigUInt64BE(BigInt(counter))
  const digest = createHmac('sha1', key).update(message).digest()
  const offset = digest[digest.length - 1] & 0xf
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0')
}
