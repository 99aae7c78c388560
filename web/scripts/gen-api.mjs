/**
 * `npm run gen:api`: asks the server for its OpenAPI document (no server needed: `finplat
 * openapi` builds the app and prints it), stores it in src/api/openapi.json and writes the
 * matching types to src/api/schema.d.ts. Run it after changing an endpoint and commit both.
 * FINPLAT_BIN names the `finplat` command (default: the repository's .venv).
 */
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { schemaTypes } from './api-schema.mjs'

const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))
const finplat = process.env.FINPLAT_BIN ?? root('../.venv/bin/finplat')
const documentPath = root('src/api/openapi.json')

const document = execFileSync(finplat, ['openapi'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
await writeFile(documentPath, document)
await writeFile(root('src/api/schema.d.ts'), await schemaTypes(documentPath))
console.log('wrote src/api/openapi.json and src/api/schema.d.ts')
