/** A row of a list whose fields the views show as they come (see `RowsTable`). Every other
 * shape comes from the generated client: `import type { Schemas } from '@/api/http'`. */
export type Row = Record<string, unknown>
