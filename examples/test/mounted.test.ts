import { createSeededDatabase, sqliteFile, testCoreLayer, type TestDatabase } from "@ram-delius/core/testing"
import { devVerification, issueDevToken } from "@ram-delius/http-koa"
import type { AddressInfo } from "node:net"
import { dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeTeamApp } from "../src/mounted-in-koa.js"

describe("example (b): the API mounted in an existing Koa app", () => {
  let db: TestDatabase
  let base: string
  let close: () => Promise<void>
  let keyFile: string
  beforeAll(async () => {
    db = await createSeededDatabase("sqlite")
    keyFile = join(dirname(sqliteFile(db)), "key.json")
    const { app, dispose } = await makeTeamApp({
      core: testCoreLayer(db.url),
      auth: {
        verification: await devVerification(keyFile),
        acceptedRoles: ["ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"]
      }
    })
    const server = app.listen(0, "127.0.0.1")
    await new Promise((resolve) => server.once("listening", resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = async () => {
      await new Promise((resolve) => server.close(resolve))
      await dispose()
    }
  })
  afterAll(async () => {
    await close?.()
    await db?.drop()
  })

  it("serves the integration's endpoints with its own auth", async () => {
    const token = await issueDevToken({
      roles: ["ROLE_PROBATION_API__REFER_AND_MONITOR__CASE_DETAIL__RW"],
      file: keyFile
    })
    const ok = await fetch(`${base}/probation-case/T140223/identifiers`, {
      headers: { authorization: `Bearer ${token}` }
    })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ crn: "T140223", nomsId: "A1234YZ" })
    expect(ok.headers.get("x-team")).toBe("example")
    const anonymous = await fetch(`${base}/probation-case/T140223/identifiers`)
    expect(anonymous.status).toBe(401)
  })

  it("leaves the team's own routes alone", async () => {
    const response = await fetch(`${base}/team/hello`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ hello: "from the team's own route" })
  })
})
