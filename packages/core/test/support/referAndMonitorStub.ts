import { existsSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A Refer and Monitor API stub on loopback serving /work/main/fixtures/refer-and-monitor-api (routes.json), plus
 * per-test overrides, and the fixture SQS messages of fixtures/events with their `detailUrl` pointed at the stub.
 */
const FIXTURES = new URL("../../../../fixtures/", import.meta.url)

interface StubResponse {
  readonly status: number
  readonly body: string
}

export interface ReferAndMonitorStub {
  readonly port: number
  readonly baseUrl: string
  /** Paths requested, in order. */
  readonly requests: Array<string>
  readonly respond: (path: string, response: StubResponse | object) => void
  readonly reset: () => void
  readonly close: () => Promise<void>
}

const loadRoutes = (): Map<string, StubResponse> => {
  const routes = JSON.parse(readFileSync(new URL("refer-and-monitor-api/routes.json", FIXTURES), "utf8")) as {
    mappings: ReadonlyArray<{ request: { url: string }; response: { status: number; bodyFileName: string } }>
  }
  const map = new Map<string, StubResponse>()
  for (const m of routes.mappings) {
    const file = new URL(`refer-and-monitor-api/${m.response.bodyFileName}`, FIXTURES)
    // routes.json still lists the retired fuzzy-search body, which is not shipped.
    if (existsSync(file)) map.set(m.request.url, { status: m.response.status, body: readFileSync(file, "utf8") })
  }
  return map
}

export const startReferAndMonitorStub = async (): Promise<ReferAndMonitorStub> => {
  const fixtures = loadRoutes()
  const overrides = new Map<string, StubResponse>()
  const requests: Array<string> = []
  const server: Server = createServer((request, response) => {
    const path = request.url ?? "/"
    requests.push(path)
    const found = overrides.get(path) ?? fixtures.get(path)
    if (found === undefined) {
      response.writeHead(404, { "content-type": "application/json" })
      response.end(JSON.stringify({ status: 404, message: `No stub for ${path}` }))
      return
    }
    response.writeHead(found.status, { "content-type": "application/json" })
    response.end(found.body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    respond: (path, response) =>
      overrides.set(
        path,
        "status" in response && "body" in response && typeof (response as StubResponse).body === "string"
          ? (response as StubResponse)
          : { status: 200, body: JSON.stringify(response) }
      ),
    reset: () => {
      overrides.clear()
      requests.length = 0
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}

/** The fixture response body `refer-and-monitor-api/{name}.json`, parsed. */
export const fixtureBody = (name: string): Record<string, any> =>
  JSON.parse(readFileSync(new URL(`refer-and-monitor-api/${name}.json`, FIXTURES), "utf8"))

/**
 * The SQS message body of `events/{name}.json` with `detailUrl` pointed at the stub. `change` may edit the inner
 * domain event (the SNS `Message`) before it is serialised again.
 */
export const fixtureMessage = (
  name: string,
  stub: { readonly baseUrl: string },
  change?: (event: Record<string, any>) => void
): string => {
  const envelope = JSON.parse(readFileSync(new URL(`events/${name}.json`, FIXTURES), "utf8")) as Record<string, any>
  const event = JSON.parse(
    (envelope.Message as string).replace(/http:\/\/localhost:\{(?:dev\.)?wiremock\.port\}/g, stub.baseUrl)
  ) as Record<string, any>
  change?.(event)
  envelope.Message = JSON.stringify(event)
  // Keep the SNS attribute (which wins over the event's own type, §5.2 step 2) in line with an edited eventType.
  if (envelope.MessageAttributes?.eventType !== undefined) envelope.MessageAttributes.eventType.Value = event.eventType
  return JSON.stringify(envelope)
}

/** The stub path of a fixture event's detailUrl. */
export const detailPath = (message: string): string => {
  const event = JSON.parse((JSON.parse(message) as { Message: string }).Message) as { detailUrl: string }
  return new URL(event.detailUrl).pathname
}
