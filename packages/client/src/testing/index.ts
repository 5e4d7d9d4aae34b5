/**
 * @ram-delius/client/testing — for the tests of services that call refer-and-monitor-and-delius: a factory for every
 * response body, and WireMock stub mappings for every operation.
 */
export * from "./factories.js"
export {
  type ResponseBodies,
  stubAll,
  stubFor,
  type StubOptions,
  type StubVariables,
  type WireMockMapping
} from "./wiremock.js"
