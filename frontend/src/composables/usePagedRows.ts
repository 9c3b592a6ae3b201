// Rows of a long server-side list for a virtual table: the first page tells the total, the table gets
// one slot per row at once (so its scroll bar is the whole list), and the pages under the rows in view
// are fetched when scrolling stops there. Jumping to row 9,000 of 10,000 asks for the pages around it,
// not for the 45 pages before it.
import { ref, shallowRef } from 'vue'
import type { Page } from '@/api/types'

/** A row of the table: its item once its page has come, `null` until then. */
export interface RowSlot<T> {
  /** the row key: the item's id, or -(position + 1) while not loaded */
  id: number
  item: T | null
}

export type FetchPage<T> = (page: number, pageSize: number) => Promise<Page<T>>

export interface PagedRowsOptions {
  pageSize?: number
  /** how long scrolling must rest before the pages in view are fetched */
  settleMs?: number
}

export function usePagedRows<T extends { id: number }>(fetchPage: FetchPage<T>, options: PagedRowsOptions = {}) {
  const pageSize = options.pageSize ?? 100
  const settleMs = options.settleMs ?? 80
  const rows = shallowRef<RowSlot<T>[]>([])
  const total = ref(0)
  const loading = ref(false)
  let requested = new Set<number>()
  let generation = 0
  let timer: ReturnType<typeof setTimeout> | null = null

  // A new array each time: the table compares its data by identity (10,000 references copy in no time).
  function place(page: number, items: T[]): void {
    const list = rows.value.slice()
    items.forEach((item, i) => {
      const at = (page - 1) * pageSize + i
      if (at < list.length) list[at] = { id: item.id, item }
    })
    rows.value = list
  }

  async function load(page: number, mine: number): Promise<void> {
    requested.add(page)
    try {
      const answer = await fetchPage(page, pageSize)
      if (mine !== generation) return
      place(page, answer.items)
    } catch (error) {
      // asked again the next time it is in view
      if (mine === generation) requested.delete(page)
      throw error
    }
  }

  /** Start over from the first page (after a filter changed, or the server came back). */
  async function reset(): Promise<void> {
    generation += 1
    const mine = generation
    requested = new Set([1])
    if (timer) clearTimeout(timer)
    loading.value = true
    try {
      const first = await fetchPage(1, pageSize)
      if (mine !== generation) return
      total.value = first.total
      rows.value = Array.from({ length: first.total }, (_, i) => ({ id: -(i + 1), item: null }))
      place(1, first.items)
    } catch (error) {
      if (mine === generation) requested.delete(1)
      throw error
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  function fetchRange(start: number, end: number): Promise<void>[] {
    const mine = generation
    const calls: Promise<void>[] = []
    const last = Math.min(end, rows.value.length - 1)
    for (let page = Math.floor(start / pageSize) + 1; page <= Math.floor(last / pageSize) + 1; page++) {
      if (!requested.has(page)) calls.push(load(page, mine))
    }
    return calls
  }

  /** The table shows rows `start`..`end`: fetch their pages once scrolling rests. */
  function show(start: number, end: number): void {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      for (const call of fetchRange(start, end)) call.catch(() => undefined)
    }, settleMs)
  }

  /** Put a changed item in its row (after a toggle). */
  function update(item: T): void {
    const at = rows.value.findIndex((slot) => slot.id === item.id)
    if (at < 0) return
    const list = rows.value.slice()
    list[at] = { id: item.id, item }
    rows.value = list
  }

  return { rows, total, loading, reset, show, update, fetchRange }
}
