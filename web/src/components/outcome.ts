/** What a form says after the server accepted an action (AmountForm). */
export interface AmountOutcome {
  type: 'success' | 'info' | 'warning'
  message: string
}
