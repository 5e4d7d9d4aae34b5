import type {
  AppointmentShape,
  CaseReadsShape,
  CaseSchemas,
  MergeAppointment as ServerMergeAppointment,
  ReferralStarted as ServerReferralStarted
} from "@ram-delius/core"
import type { ErrorBody as ServerErrorBody } from "@ram-delius/http-koa"
import type { Effect, Option, Schema } from "effect"
import { describe, expectTypeOf, it } from "vitest"
import type * as Client from "../src/index.js"

/**
 * The client's plain types are the server's wire types. Each check below is an equality of types, in both directions
 * (expect-type's `.branded.toEqualTypeOf`: every key, its optionality, readonly-ness and type, nested, must be the
 * same), between a client type and `Schema.Encoded` of the core Schema the server decodes the request with or encodes
 * the answer with. The checks run when this file is compiled — by `npm run typecheck`, and by `vitest run`, which
 * type-checks the `*.test-d.ts` files and fails the test whose assertion does not compile: a field renamed, added,
 * removed or retyped in core fails this package's typecheck and tests until the client's types follow.
 */

type Wire<S extends Schema.Schema.Any> = Schema.Schema.Encoded<S>
type Answer<F extends (...args: never) => Effect.Effect<any, any, any>> = Effect.Effect.Success<ReturnType<F>>
type Resolved<M extends keyof Client.RamDeliusClient> = Awaited<ReturnType<Client.RamDeliusClient[M]>>
type Argument<M extends keyof Client.RamDeliusClient, N extends number> = Parameters<Client.RamDeliusClient[M]>[N]

describe("the client's types are the server's wire types (checked by the compiler)", () => {
  it("request bodies: the Schemas the server decodes with", () => {
    expectTypeOf<Client.ReferralStarted>().branded.toEqualTypeOf<Wire<typeof ServerReferralStarted>>()
    expectTypeOf<Client.MergeAppointment>().branded.toEqualTypeOf<Wire<typeof ServerMergeAppointment>>()
    expectTypeOf<Argument<"putReferral", 1>>().toEqualTypeOf<Client.ReferralStarted>()
    expectTypeOf<Argument<"putAppointment", 2>>().toEqualTypeOf<Client.MergeAppointment>()
    expectTypeOf<Argument<"getUserAccess", 1>>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.CrnList>>()
  })

  it("response bodies: the Schemas the server's answers are typed by", () => {
    expectTypeOf<Client.ResponsibleOfficer>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.ResponsibleOfficer>>()
    expectTypeOf<Client.Manager>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.Manager>>()
    expectTypeOf<Client.Identifiers>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.Identifiers>>()
    expectTypeOf<Client.CaseDetails>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.CaseDetail>>()
    expectTypeOf<Client.Conviction>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.Conviction>>()
    expectTypeOf<Client.Convictions>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.Convictions>>()
    expectTypeOf<Client.SingleConviction>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.SingleConviction>>()
    expectTypeOf<Client.OfficeLocation>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.OfficeLocation>>()
    expectTypeOf<Client.DeliveryUnit>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.DeliveryUnit>>()
    expectTypeOf<Client.ManagedCases>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.ManagedCases>>()
    expectTypeOf<Client.UserDetails>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.UserDetails>>()
    expectTypeOf<Client.CaseAccess>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.CaseAccess>>()
    expectTypeOf<Client.UserAccess>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.UserAccess>>()
    expectTypeOf<Client.ErrorBody>().branded.toEqualTypeOf<ServerErrorBody>()
  })

  it("the response Schemas have no transformations: the values the reads return are already the wire form", () => {
    expectTypeOf<typeof CaseSchemas.CaseDetail.Type>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.CaseDetail>>()
    expectTypeOf<typeof CaseSchemas.Convictions.Type>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.Convictions>>()
    expectTypeOf<typeof CaseSchemas.ResponsibleOfficer.Type>().branded.toEqualTypeOf<
      Wire<typeof CaseSchemas.ResponsibleOfficer>
    >()
    expectTypeOf<typeof CaseSchemas.UserAccess.Type>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.UserAccess>>()
  })

  it("each method resolves with what the core operation behind its route answers", () => {
    expectTypeOf<Resolved<"putReferral">>().toEqualTypeOf<void>()
    expectTypeOf<Resolved<"putAppointment">>().branded.toEqualTypeOf<Answer<AppointmentShape["merge"]>>()
    expectTypeOf<Resolved<"getResponsibleOfficer">>().branded.toEqualTypeOf<
      Answer<CaseReadsShape["responsibleOfficer"]>
    >()
    expectTypeOf<Resolved<"getIdentifiers">>().branded.toEqualTypeOf<Answer<CaseReadsShape["identifiers"]>>()
    // The route answers 404 for Option.none (spec §4.5), the value itself for Option.some.
    expectTypeOf<Resolved<"getCaseDetails">>().branded.toEqualTypeOf<
      Option.Option.Value<Answer<CaseReadsShape["caseDetails"]>>
    >()
    expectTypeOf<Resolved<"getConvictions">>().branded.toEqualTypeOf<Answer<CaseReadsShape["convictions"]>>()
    expectTypeOf<Resolved<"getConviction">>().branded.toEqualTypeOf<Answer<CaseReadsShape["conviction"]>>()
    expectTypeOf<Resolved<"getOfficeLocations">>().branded.toEqualTypeOf<
      Effect.Effect.Success<CaseReadsShape["officeLocations"]>
    >()
    expectTypeOf<Resolved<"getProbationDeliveryUnits">>().branded.toEqualTypeOf<
      Effect.Effect.Success<CaseReadsShape["deliveryUnits"]>
    >()
    expectTypeOf<Resolved<"getManagedCases">>().branded.toEqualTypeOf<Answer<CaseReadsShape["managedCases"]>>()
    expectTypeOf<Resolved<"getUserDetails">>().branded.toEqualTypeOf<
      Option.Option.Value<Answer<CaseReadsShape["userDetails"]>>
    >()
    expectTypeOf<Resolved<"getUserAccess">>().branded.toEqualTypeOf<Answer<CaseReadsShape["userAccess"]>>()
  })

  it("the checks are not vacuous: a renamed, a retyped and a no-longer-optional field each break the equality", () => {
    type Renamed = Omit<Client.CaseDetails, "crn"> & { readonly caseReference: string }
    type Retyped = Omit<Client.Conviction, "id"> & { readonly id: string }
    type Required = Omit<Client.Identifiers, "nomsId"> & { readonly nomsId: string }
    // Each line must fail to compile (else @ts-expect-error is itself an error).
    // @ts-expect-error a renamed field
    expectTypeOf<Renamed>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.CaseDetail>>()
    // @ts-expect-error a retyped field
    expectTypeOf<Retyped>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.Conviction>>()
    // @ts-expect-error a field the server may leave out, typed as always present
    expectTypeOf<Required>().branded.toEqualTypeOf<Wire<typeof CaseSchemas.Identifiers>>()
  })
})
