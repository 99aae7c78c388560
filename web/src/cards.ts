/**
 * Tables as cards on phones: `<el-table v-cards ...>` (registered for the whole app by
 * `cardsPlugin`). Below 600 px each row becomes a card of "label: value" lines (style.css,
 * `.el-table[data-cards]`): the heading of every column is copied onto its cells as `data-label`, so no
 * column, amounts included, is cut off or hidden behind a sideways scroll.
 */
import type { App, Directive } from 'vue'

const observers = new WeakMap<HTMLElement, MutationObserver>()

/** Copies each column's heading onto the cells of that column (`data-label`). */
export function labelCells(table: HTMLElement): void {
  const headings = Array.from(table.querySelectorAll('.el-table__header-wrapper thead tr:last-child th'))
    .map((th) => th.textContent?.trim() ?? '')
  for (const row of Array.from(table.querySelectorAll('.el-table__body-wrapper tbody tr'))) {
    Array.from(row.children).forEach((cell, index) => {
      const label = headings[index] ?? ''
      if (cell.getAttribute('data-label') !== label) cell.setAttribute('data-label', label)
    })
  }
}

export const vCards: Directive<HTMLElement> = {
  mounted(table) {
    // An attribute, not a class: the table re-renders its own classes and would drop one added here.
    table.setAttribute('data-cards', '')
    labelCells(table)
    let queued = false
    // Rows arrive after each load and headings change with the language: label again then.
    const observer = new MutationObserver(() => {
      if (queued) return
      queued = true
      queueMicrotask(() => {
        queued = false
        labelCells(table)
      })
    })
    observer.observe(table, { childList: true, subtree: true, characterData: true })
    observers.set(table, observer)
  },
  unmounted(table) {
    observers.get(table)?.disconnect()
    observers.delete(table)
  },
}

export const cardsPlugin = {
  install(app: App): void {
    app.directive('cards', vCards)
  },
}

declare module 'vue' {
  interface GlobalDirectives {
    vCards: typeof vCards
  }
}
