/**
 * The in-process memory transport and the packet-fate model it shares with simulations.
 *
 * @module
 */

export {
  memory,
  MemoryLink,
  MemoryNetwork,
  memoryNetwork,
  type MemoryNetworkOptions,
  type MemoryOptions,
} from "./memory.ts";
export {
  type Delivery,
  Impairment,
  type ImpairmentOptions,
  type UniformRandom,
} from "./impairment.ts";
