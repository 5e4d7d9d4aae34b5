import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { READ_ALL_ROLE, type ReferAndMonitorStub, startReferAndMonitorStub } from "../src/referAndMonitorStub.js"

/**
 * The dev R&M stub as R&M answers: the dev dataset's referrals on R&M's API paths, sessions at
 * `/referral/{id}/sessions/{n}`, and a bearer token accepted only with `ROLE_INTERVENTIONS_API_READ_ALL`.
 */
let stub: ReferAndMonitorStub
beforeAll(async () => {
  stub = await startReferAndMonitorStub()
})
afterAll(() => stub.close())

const jwt = (authorities: ReadonlyArray<string>) =>
  ["e30", Buffer.from(JSON.stringify({ authorities })).toString("base64url"), "sig"].join(".")
const get = (path: string, token?: string) =>
  fetch(`${stub.url}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })
const WITHDRAWN = "68df9f6c-3fcb-4ec6-8fcf-96551cd9b080"

describe("dev R&M stub", () => {
  it("its token endpoint issues a token carrying ROLE_INTERVENTIONS_API_READ_ALL, which the API accepts", async () => {
    const issued = (await (await fetch(`${stub.authUrl}/oauth/token`, { method: "POST" })).json()) as {
      access_token: string
    }
    const claims = JSON.parse(Buffer.from(issued.access_token.split(".")[1]!, "base64url").toString()) as {
      authorities: Array<string>
    }
    expect(claims.authorities).toContain(READ_ALL_ROLE)
    const response = await get(`/sent-referral/${WITHDRAWN}`, issued.access_token)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { referenceNumber: string }).referenceNumber).toBe("FE4536C")
  })

  it("a token without the role: 403, as R&M answers", async () => {
    const response = await get(`/sent-referral/${WITHDRAWN}`, jwt(["ROLE_CRS_REFERRAL"]))
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ status: 403, message: `Access denied: requires ${READ_ALL_ROLE}` })
  })

  it("serves the referral's views and its sessions at R&M's paths; the retired path is gone", async () => {
    const plan = (await (await get(`/sent-referral/${WITHDRAWN}`)).json()) as { currentActionPlanId: string }
    const sessions = (await (await get(`/action-plan/${plan.currentActionPlanId}/appointments`)).json()) as Array<{
      sessionNumber: number
    }>
    expect(sessions.map((s) => s.sessionNumber)).toEqual([1, 2, 3])
    const session = (await (await get(`/referral/${WITHDRAWN}/sessions/2`)).json()) as { sessionNumber: number }
    expect(session.sessionNumber).toBe(2)
    expect(
      (await get(`/referral/${WITHDRAWN}/delivery-session-appointments/223e2d09-63d2-4b7e-a07e-b35c550e26cb`)).status
    ).toBe(404)
    expect((await get("/health/ping")).status).toBe(200)
  })
})
