import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { gunzipSync } from "node:zlib"
import { afterEach, describe, expect, it } from "vitest"
import { ingestionSender } from "../src/telemetry/ingestion.js"

/**
 * The sender against a real HTTP server on loopback standing in for the ingestion endpoint: what it posts, in what
 * batches, and what it does with each answer Microsoft's exporter distinguishes.
 */

interface Post {
  readonly path: string
  readonly items: Array<string>
}
type Answer = (post: Post, res: ServerResponse) => void

const servers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of servers.splice(0)) await close()
})

const endpoint = async (answer: Answer) => {
  const posts: Array<Post> = []
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      expect(req.method).toBe("POST")
      expect(req.headers["content-type"]).toBe("application/json")
      expect(req.headers["content-encoding"]).toBe("gzip")
      const body = gunzipSync(Buffer.concat(chunks)).toString("utf8")
      const post = { path: req.url ?? "", items: JSON.parse(body) as Array<string> }
      posts.push(post)
      answer(post, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  )
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, posts }
}

const ok: Answer = (post, res) => {
  res.writeHead(200, { "content-type": "application/json" })
  res.end(JSON.stringify({ itemsReceived: post.items.length, itemsAccepted: post.items.length, errors: [] }))
}

/** Items are JSON strings here; the head item is "head". */
const items = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => JSON.stringify(`item ${from + i}`))
const sent = (posts: ReadonlyArray<Post>) => posts.flatMap((p) => p.items.filter((i) => i !== "head"))
const names = (from: number, to: number) => items(from, to).map((i) => JSON.parse(i) as string)

describe("ingestion sender", () => {
  it("posts gzip'd JSON arrays to v2.1/track, the head item first, 512 items a batch, the rest when flushed", async () => {
    const server = await endpoint(ok)
    const sender = ingestionSender({ endpoint: server.url, head: () => '"head"' })
    for (const item of items(0, 1200)) sender.add(item)
    await sender.flush()
    expect(server.posts.map((p) => [p.path, p.items[0], p.items.length])).toEqual([
      ["/v2.1/track", "head", 513],
      ["/v2.1/track", "head", 513],
      ["/v2.1/track", "head", 177]
    ])
    expect(sent(server.posts)).toEqual(names(0, 1200))
    await sender.shutdown()
  })

  it("206: the items refused for a reason that may pass are sent again, the others dropped", async () => {
    let first = true
    const server = await endpoint((post, res) => {
      if (!first) return ok(post, res)
      first = false
      res.writeHead(206, { "content-type": "application/json" })
      res.end(
        JSON.stringify({
          itemsReceived: post.items.length,
          itemsAccepted: post.items.length - 2,
          // Index 0 is the head item: items 1 and 2 are the first two of the batch.
          errors: [
            { index: 1, statusCode: 503, message: "busy" },
            { index: 2, statusCode: 400, message: "invalid" }
          ]
        })
      )
    })
    const sender = ingestionSender({ endpoint: server.url, head: () => '"head"' })
    for (const item of items(0, 3)) sender.add(item)
    await sender.flush()
    await sender.flush()
    expect(server.posts.map((p) => p.items.filter((i) => i !== "head"))).toEqual([
      ["item 0", "item 1", "item 2"],
      ["item 0"]
    ])
    await sender.shutdown()
  })

  it("a 500 or a 429 keeps the batch to send again; a 400 drops it", async () => {
    const statuses = [500, 429, 200, 400, 200]
    const server = await endpoint((post, res) => {
      const status = statuses.shift()!
      if (status === 200) return ok(post, res)
      res.writeHead(status)
      res.end()
    })
    const sender = ingestionSender({ endpoint: server.url, head: () => '"head"' })
    sender.add(items(0, 1)[0]!)
    await sender.flush() // 500
    await sender.flush() // 429
    await sender.flush() // 200
    sender.add(items(1, 2)[0]!)
    await sender.flush() // 400: dropped
    await sender.flush() // nothing left to send
    expect(server.posts.map((p) => p.items.filter((i) => i !== "head"))).toEqual([
      ["item 0"],
      ["item 0"],
      ["item 0"],
      ["item 1"]
    ])
    await sender.shutdown()
  })

  it("follows a 308 to the endpoint it names, and posts there from then on", async () => {
    const moved = await endpoint(ok)
    const old = await endpoint((_, res) => {
      res.writeHead(308, { location: `${moved.url}v2.1/track` })
      res.end()
    })
    const sender = ingestionSender({ endpoint: old.url, head: () => '"head"' })
    sender.add(items(0, 1)[0]!)
    await sender.flush()
    sender.add(items(1, 2)[0]!)
    await sender.flush()
    expect(old.posts).toHaveLength(1)
    expect(sent(moved.posts)).toEqual(names(0, 2))
    await sender.shutdown()
  })

  it("keeps at most maxQueue items waiting while the endpoint fails, the oldest first", async () => {
    let failing = true
    const accepted: Array<string> = []
    const server = await endpoint((post, res) => {
      if (failing) {
        res.writeHead(503)
        return res.end()
      }
      accepted.push(...post.items.filter((i) => i !== "head"))
      ok(post, res)
    })
    const sender = ingestionSender({ endpoint: server.url, head: () => '"head"', maxBatch: 4, maxQueue: 6 })
    for (const item of items(0, 4)) sender.add(item) // a full batch goes at once, and fails
    await sender.flush() // and fails again
    expect(server.posts).toHaveLength(2)
    for (const item of items(4, 10)) sender.add(item) // 4 waiting, room for 2 more: 6 to 9 are dropped
    failing = false
    await sender.flush()
    expect(accepted).toEqual(names(0, 6))
    await sender.shutdown()
  })

  it("an endpoint that never answers: the batch waits, and shutdown still completes", async () => {
    const server = await endpoint(() => {})
    const sender = ingestionSender({ endpoint: server.url, head: () => '"head"', timeoutMs: 100 })
    sender.add(items(0, 1)[0]!)
    await sender.flush()
    expect(server.posts).toHaveLength(1)
    await sender.shutdown()
    expect(server.posts).toHaveLength(2)
    sender.add(items(1, 2)[0]!)
    await sender.flush()
    expect(server.posts).toHaveLength(2)
  })
})
