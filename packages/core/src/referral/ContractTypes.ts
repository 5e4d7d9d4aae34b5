import { Config, ConfigError, Context, Effect, Either, Layer, Option } from "effect"
import { ReferenceDataRepository } from "../delius/repositories/ReferenceDataRepository.js"
import { contractTypeLookup, parseContractTypeMappings } from "../rules/index.js"

/**
 * The contract type → NSI type table of §6.2 in force: the built-in rows plus those operations add with
 * `CONTRACT_TYPE_NSI_TYPES` (R&M onboards regional contracts from time to time). The added rows are checked at
 * start-up — a malformed entry or an NSI type code not in `R_NSI_TYPE` fails the layer, naming it — so that a typo
 * stops the rollout instead of answering 404 `NsiType with code of … not found` to R&M later.
 */
export class ContractTypes extends Context.Tag("@ram-delius/core/ContractTypes")<
  ContractTypes,
  { readonly nsiTypeFor: (contractType: string) => Option.Option<string> }
>() {
  /** The built-in table only (tests and embedders without configuration). */
  static readonly builtIn = Layer.succeed(ContractTypes, { nsiTypeFor: contractTypeLookup(new Map()) })

  /** Built-in table plus `CONTRACT_TYPE_NSI_TYPES`, each added NSI type code checked against `R_NSI_TYPE`. */
  static readonly layer: Layer.Layer<ContractTypes, ConfigError.ConfigError, ReferenceDataRepository> = Layer.effect(
    ContractTypes,
    Effect.gen(function* () {
      const name = "CONTRACT_TYPE_NSI_TYPES"
      const text = Option.getOrElse(yield* Config.option(Config.string(name)), () => "")
      const parsed = parseContractTypeMappings(text)
      if (Either.isLeft(parsed)) return yield* Effect.fail(ConfigError.InvalidData([name], `${name}: ${parsed.left}`))
      const reference = yield* ReferenceDataRepository
      for (const [contractType, nsiType] of parsed.right) {
        const found = yield* reference
          .nsiType(nsiType)
          .pipe(
            Effect.mapError((error) =>
              ConfigError.InvalidData(
                [name],
                `${name}: could not check NSI type ${nsiType} in R_NSI_TYPE: ${error.message}`
              )
            )
          )
        if (Option.isNone(found)) {
          return yield* Effect.fail(
            ConfigError.InvalidData(
              [name],
              `${name}: ${contractType}=${nsiType}: NSI type ${nsiType} is not in R_NSI_TYPE`
            )
          )
        }
      }
      return { nsiTypeFor: contractTypeLookup(parsed.right) }
    })
  )
}
