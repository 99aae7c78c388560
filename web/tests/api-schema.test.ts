import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script without type declarations
import { schemaTypes } from '../scripts/api-schema.mjs'

const path = (relative: string) => resolve(__dirname, '..', relative)

describe('the generated API client', () => {
  // The Python suite (tests/e2e/test_webapp_schema.py) checks openapi.json against the server.
  it('has the types of the committed OpenAPI document (npm run gen:api)', async () => {
    const expected: string = await schemaTypes(path('src/api/openapi.json'))
    const committed = await readFile(path('src/api/schema.d.ts'), 'utf8')
    expect(committed === expected, 'src/api/schema.d.ts is stale: run `npm run gen:api`').toBe(true)
  })
})
