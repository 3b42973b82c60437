/**
 * The testing kit: the manual clock, seeded randomness, a simulated network, a seeded impairment
 * model (loss, delay, duplication, reordering, corruption) and a client/server
 * pair — what Thing's own suites use to test every state machine deterministically — and the
 * transport conformance suite every built-in transport passes (`transportSuite()`).
 *
 * @module
 */
export { ManualClock, SeededRandom } from "../clock.ts";
export * from "./pair.ts";
export * from "./sim_network.ts";
export * from "./impairment.ts";
export * from "./transport_suite.ts";
