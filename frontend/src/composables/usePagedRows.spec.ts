import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Page } from '@/api/types'
import { usePagedRows } from './usePagedRows'

interface Item {
  id: number
  name: string
}

/** A server with `count` items (newest first, like the task list) that records the pages asked for. */
function server(count: number) {
  const asked: number[] = []
  async function fetchPage(page: number, pageSize: number): Promise<Page<Item>> {
    asked.push(page)
    const items: Item[] = []
    for (let i = (page - 1) * pageSize; i < Math.min(count, page * pageSize); i++) {
      items.push({ id: count - i, name: `task ${count - i}` })
    }
    return { items, total: count, page, page_size: pageSize }
  }
  return { asked, fetchPage }
}

describe('usePagedRows', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('gives the table a slot for every row after the first page', async () => {
    const { asked, fetchPage } = server(10_000)
    const paged = usePagedRows(fetchPage, { pageSize: 100 })
    await paged.reset()
    expect(paged.total.value).toBe(10_000)
    expect(paged.rows.value).toHaveLength(10_000)
    expect(paged.rows.value[0]?.item?.name).toBe('task 10000')
    expect(paged.rows.value[100]?.item).toBeNull()
    expect(asked).toEqual([1])
  })

  it('fetches only the pages under the rows in view when scrolling rests', async () => {
    const { asked, fetchPage } = server(10_000)
    const paged = usePagedRows(fetchPage, { pageSize: 100, settleMs: 50 })
    await paged.reset()
    // scrolling through the middle of the list on the way to the end
    paged.show(3000, 3020)
    paged.show(6000, 6020)
    paged.show(9985, 9999)
    await vi.advanceTimersByTimeAsync(60)
    expect(asked).toEqual([1, 100])
    expect(paged.rows.value[9999]?.item?.name).toBe('task 1')
    expect(paged.rows.value[6000]?.item).toBeNull()
  })

  it('asks for a page once, even when it is in view again', async () => {
    const { asked, fetchPage } = server(1000)
    const paged = usePagedRows(fetchPage, { pageSize: 100 })
    await paged.reset()
    await Promise.all(paged.fetchRange(150, 250))
    await Promise.all(paged.fetchRange(180, 220))
    expect(asked).toEqual([1, 2, 3])
  })

  it('asks again for a page whose call failed', async () => {
    const { fetchPage } = server(1000)
    let fail = true
    const flaky = (page: number, size: number) => (fail && page === 2 ? Promise.reject(new Error('down')) : fetchPage(page, size))
    const paged = usePagedRows(flaky, { pageSize: 100 })
    await paged.reset()
    await expect(Promise.all(paged.fetchRange(100, 110))).rejects.toThrow('down')
    fail = false
    await Promise.all(paged.fetchRange(100, 110))
    expect(paged.rows.value[100]?.item?.name).toBe('task 900')
  })

  it('drops the answers of a list that was reset meanwhile', async () => {
    const { fetchPage } = server(1000)
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    const slow = async (page: number, size: number) => {
      if (page === 5) await gate
      return fetchPage(page, size)
    }
    const paged = usePagedRows(slow, { pageSize: 100 })
    await paged.reset()
    const late = paged.fetchRange(450, 460)
    await paged.reset()
    release()
    await Promise.all(late)
    expect(paged.rows.value[450]?.item).toBeNull()
  })

  it('puts an updated item in its row', async () => {
    const { fetchPage } = server(300)
    const paged = usePagedRows(fetchPage, { pageSize: 100 })
    await paged.reset()
    paged.update({ id: 299, name: 'renamed' })
    expect(paged.rows.value[1]?.item?.name).toBe('renamed')
  })
})
