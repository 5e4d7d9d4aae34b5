import { createServer } from "node:net"

/** A loopback port free right now, for a host under test to listen on (the tests never use fixed ports). */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
