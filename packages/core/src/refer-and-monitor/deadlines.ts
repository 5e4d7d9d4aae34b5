/**
 * Deadlines of one length, kept on one Node timer: what a callback's timeouts (`requestWith` in
 * ReferAndMonitorClient.ts) are set on.
 *
 * Why not a `setTimeout` per deadline: a callback sets two deadlines and, on time, clears both. Node keeps a timer list
 * per length, and a list that empties is removed and made again by the next call, with a call into libuv each time —
 * about 6 µs a callback, a tenth of what the client adds to a plain fetch. Here starting a deadline is a link added to
 * a queue, and clearing it drops the callback; the one timer is set again only when it fires.
 *
 * Deadlines of one length end in the order they start (a monotonic clock), so the queue is a FIFO whose first live
 * entry is always the next to end. Cleared entries at its head are dropped as new ones come, so a queue that only
 * ever holds one call at a time holds one entry.
 *
 * The timer is unref'd: a deadline never keeps the process alive (the request it guards does, while it is in flight),
 * so a command that has finished its calls exits without waiting for the timer of a cleared deadline.
 */

/** A started deadline: `clear()` it when the guarded work ends in time. */
interface Deadline {
  readonly clear: () => void
}

export interface Deadlines {
  /** Calls `onExpiry` once, `ms` after now (the length these deadlines have), unless cleared before. */
  readonly start: (onExpiry: () => void) => Deadline
}

/** A queue entry is the deadline handed out (one allocation a deadline). */
class Entry implements Deadline {
  readonly due: number
  onExpiry: (() => void) | undefined
  next: Entry | undefined = undefined
  constructor(due: number, onExpiry: () => void) {
    this.due = due
    this.onExpiry = onExpiry
  }
  clear() {
    this.onExpiry = undefined
  }
}

export const deadlinesOf = (ms: number): Deadlines => {
  let head: Entry | undefined
  let tail: Entry | undefined
  let timer: ReturnType<typeof setTimeout> | undefined

  const arm = (delay: number) => {
    timer = setTimeout(expire, Math.max(1, Math.ceil(delay)))
    timer.unref()
  }
  const dropCleared = () => {
    while (head !== undefined && head.onExpiry === undefined) head = head.next
    if (head === undefined) tail = undefined
  }
  // Node fires a timer against its loop's cached time, which may lag the clock read here: an entry not yet due is
  // left for the timer set again below.
  const expire = () => {
    timer = undefined
    const now = performance.now()
    dropCleared()
    while (head !== undefined && head.due <= now) {
      const onExpiry = head.onExpiry
      head.onExpiry = undefined
      head = head.next
      onExpiry?.()
      dropCleared()
    }
    if (head !== undefined) arm(head.due - now)
  }

  return {
    start: (onExpiry) => {
      const entry = new Entry(performance.now() + ms, onExpiry)
      dropCleared()
      if (tail === undefined) head = entry
      else tail.next = entry
      tail = entry
      if (timer === undefined) arm(ms)
      return entry
    }
  }
}
