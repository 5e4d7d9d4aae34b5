/**
 * `doctor`'s checks of the dependencies outside the database: the LDAP directory, HMPPS Auth (a client-credentials
 * token carrying the role R&M requires), R&M at `REFER_AND_MONITOR_URL`, and the SQS queue with its DLQ.
 */

import { FetchHttpClient } from "@effect/platform"
import { HmppsAuthToken, type referAndMonitorSettings, ReferAndMonitorViews, UserDirectory } from "@ram-delius/core"
import { Config, type ConfigError, Effect, Either, Option, Redacted } from "effect"
import { type Check, fail, messageOf, pass } from "./doctorCheck.js"

const READ_ALL_ROLE = "ROLE_INTERVENTIONS_API_READ_ALL"
const TIMEOUT = "5 seconds"

export const directoryCheck: Effect.Effect<Check> = Effect.gen(function* () {
  const url = (yield* Config.string("LDAP_URL").pipe(Config.withDefault(""))).trim()
  if (url === "") return pass("LDAP", "the embedded directory (dev dataset; LDAP_URL not set)", true)
  const found = yield* Effect.flatMap(UserDirectory, (d) => d.findUser("ram-delius-doctor")).pipe(
    Effect.provide(UserDirectory.layerFromConfig),
    Effect.timeoutFail({ duration: TIMEOUT, onTimeout: () => new Error(`no answer from ${url} within 5 s`) }),
    Effect.either
  )
  const base = yield* Config.string("LDAP_BASE").pipe(Config.withDefault("dc=moj,dc=com"))
  return Either.isRight(found)
    ? pass("LDAP", `bind and search under ou=Users,${base} at ${url} work`)
    : fail("LDAP", messageOf(found.left), "check LDAP_URL, LDAP_BIND_DN, LDAP_BIND_PASSWORD and LDAP_BASE")
}).pipe(Effect.catchAll((e) => Effect.succeed(fail("LDAP", messageOf(e), "set LDAP_BIND_DN and LDAP_BIND_PASSWORD"))))

/** The `authorities` claim of a JWT (read, not verified: it is HMPPS Auth's answer to us). */
const authoritiesOf = (token: string): ReadonlyArray<string> => {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      authorities?: unknown
    }
    return Array.isArray(claims.authorities) ? claims.authorities.map(String) : []
  } catch {
    return []
  }
}

export const authCheck = (
  settings: Either.Either<Effect.Effect.Success<typeof referAndMonitorSettings>, ConfigError.ConfigError>
): Effect.Effect<ReadonlyArray<Check>> =>
  Effect.gen(function* () {
    if (Either.isLeft(settings)) {
      return [
        fail(
          "HMPPS Auth",
          messageOf(settings.left),
          "set OAUTH2_CLIENT_ID and OAUTH2_CLIENT_SECRET with HMPPS_AUTH_URL"
        )
      ]
    }
    const auth = settings.right.auth
    if (auth === undefined) {
      return [pass("HMPPS Auth", "dev auth mode (HMPPS_AUTH_URL not set): R&M is called without a token", true)]
    }
    const token = yield* Effect.flatMap(HmppsAuthToken, (t) => t.get).pipe(
      Effect.provide(HmppsAuthToken.layer(auth)),
      Effect.provide(FetchHttpClient.layer),
      Effect.either
    )
    if (Either.isLeft(token) || Option.isNone(token.right)) {
      const why = Either.isLeft(token) ? token.left.message : "no token"
      return [
        fail(
          "HMPPS Auth",
          why,
          "check HMPPS_AUTH_URL (or HMPPS_AUTH_TOKEN_URL), OAUTH2_CLIENT_ID and OAUTH2_CLIENT_SECRET"
        )
      ]
    }
    const roles = authoritiesOf(Redacted.value(token.right.value))
    return [
      roles.includes(READ_ALL_ROLE)
        ? pass("HMPPS Auth", `client-credentials token for ${auth.clientId} carries ${READ_ALL_ROLE}`)
        : fail(
            "HMPPS Auth",
            `the token for ${auth.clientId} lacks ${READ_ALL_ROLE}`,
            `ask HMPPS Auth to grant OAUTH2_CLIENT_ID ${auth.clientId} the role ${READ_ALL_ROLE}`
          )
    ]
  })

export const referAndMonitorCheck: Effect.Effect<Check> = Effect.gen(function* () {
  const urls = yield* Effect.either(ReferAndMonitorViews.referAndMonitorUrls)
  if (Either.isLeft(urls)) {
    return fail(
      "Refer and Monitor",
      messageOf(urls.left),
      "set REFER_AND_MONITOR_URL to an origin listed in MESSAGING_CONSUMER_DETAIL_URLS"
    )
  }
  const devMode = (yield* Config.string("HMPPS_AUTH_URL").pipe(Config.withDefault(""))).trim() === ""
  const ping = `${urls.right.api}/health/ping`
  const answer = yield* Effect.tryPromise(() => fetch(ping, { signal: AbortSignal.timeout(5_000) })).pipe(Effect.either)
  if (Either.isRight(answer))
    return pass(
      "Refer and Monitor",
      `reachable at ${urls.right.api} (GET /health/ping: ${answer.right.status})`,
      devMode
    )
  if (devMode) {
    return pass(
      "Refer and Monitor",
      `the local R&M stub at ${urls.right.api} (started by \`ram-delius serve\`; not running now)`,
      true
    )
  }
  return fail(
    "Refer and Monitor",
    `not reachable at ${urls.right.api}: ${messageOf(answer.left.cause ?? answer.left)}`,
    "check REFER_AND_MONITOR_URL and the network path to R&M"
  )
}).pipe(Effect.catchAll((e) => Effect.succeed(fail("Refer and Monitor", messageOf(e), "check REFER_AND_MONITOR_URL"))))

export const queueCheck: Effect.Effect<ReadonlyArray<Check>> = Effect.gen(function* () {
  const host = yield* Effect.promise(() => import("@ram-delius/sqs-host"))
  const config = yield* host.sqsHostConfig
  const dev = host.devStackWanted(config)
  const client = host.makeSqsClient({
    region: config.region,
    endpoint: dev ? `http://127.0.0.1:${config.devSqsPort}` : Option.getOrUndefined(config.endpoint),
    ...(dev ? { credentials: host.DEV_STACK_DEFAULTS.credentials } : {})
  })
  const queueUrl = yield* host.resolveQueueUrl(client, config.queue).pipe(Effect.timeout(TIMEOUT), Effect.either)
  if (Either.isLeft(queueUrl)) {
    if (dev)
      return [pass("SQS queue", `the in-process emulator (started by \`ram-delius serve\`; not running now)`, true)]
    return [
      fail(
        "SQS queue",
        `${config.queue}: ${messageOf(queueUrl.left)}`,
        "check MESSAGING_CONSUMER_QUEUE, AWS_REGION, AWS_ENDPOINT_URL_SQS and the service account's SQS access"
      )
    ]
  }
  const checks: Array<Check> = [pass("SQS queue", `${host.queueNameOf(queueUrl.right)} reachable`, dev)]
  const dlqUrl = yield* host.resolveDlqUrl(client, queueUrl.right).pipe(Effect.timeout(TIMEOUT), Effect.either)
  checks.push(
    Either.isRight(dlqUrl)
      ? pass("SQS DLQ", `${host.queueNameOf(dlqUrl.right)} reachable, named by the queue's redrive policy`, dev)
      : fail(
          "SQS DLQ",
          messageOf(dlqUrl.left),
          "give the queue a redrive policy to its DLQ (maxReceiveCount 3), and the service access to the DLQ"
        )
  )
  return checks
}).pipe(
  Effect.catchAll((e) =>
    Effect.succeed([fail("SQS queue", messageOf(e), "check MESSAGING_CONSUMER_QUEUE and AWS_* settings")])
  )
)
