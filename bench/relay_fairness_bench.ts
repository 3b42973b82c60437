/**
 * Two streams flows through one `thing relay --rate` bottleneck, simulated on the testing kit's
 * SimNetwork with a manual clock (tests/reliability/_two_flows.ts): 500 kB/s each way, a 30 kB
 * tail-drop queue (60 ms), 10 ms each way (20 ms RTT), then the same with 2 % random loss on top,
 * then queues that barely show in the RTT (1 MB/s with 10 kB and 5 kB: 10 and 5 ms).
 * Flow 0 starts at 0 s, flow 1 at 2 s. It prints what each flow delivered per second for each
 * pairing of controllers, Jain's fairness index over the second half and how many packets the
 * queue dropped. Deterministic: the same figures on every run and runtime, whatever the load.
 *
 *     deno run -A bench/relay_fairness_bench.ts [seconds]
 *     bun bench/relay_fairness_bench.ts [seconds]
 *
 * @module
 */
import { type CongestionFactory, lossTolerantReno, newReno } from "../reliability/mod.ts";
import { jain, twoFlows } from "../tests/reliability/_two_flows.ts";

const g = globalThis as { Deno?: { args: string[] } };
const argv: string[] = g.Deno?.args ?? process.argv.slice(2);
const seconds = Number(argv[0] ?? 20);
const CONGESTED = { rate: 500_000, queue: 30_000, delay: 10 };
const scenarios = [
  ["congested", CONGESTED],
  ["congested and 2 % random loss", { ...CONGESTED, loss: 0.02 }],
  ["a 10 ms queue (1 MB/s, 10 kB)", { ...CONGESTED, rate: 1_000_000, queue: 10_000 }],
  ["a 5 ms queue (1 MB/s, 5 kB)", { ...CONGESTED, rate: 1_000_000, queue: 5_000 }],
] as const;
const pairings: Array<[string, [CongestionFactory, CongestionFactory]]> = [
  ["lossTolerantReno + lossTolerantReno", [lossTolerantReno, lossTolerantReno]],
  ["lossTolerantReno + newReno", [lossTolerantReno, newReno]],
  ["newReno + newReno", [newReno, newReno]],
];
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

console.log(
  `Two flows through one relay: ${CONGESTED.rate / 1000} kB/s, ${CONGESTED.queue / 1000} kB ` +
    `queue, ${2 * CONGESTED.delay} ms RTT, ${seconds} s (kB delivered per second)`,
);
for (const [scenario, relay] of scenarios) {
  for (const [name, congestion] of pairings) await report(scenario, relay, name, congestion);
}

async function report(
  scenario: string,
  relay: typeof scenarios[number][1],
  name: string,
  congestion: [CongestionFactory, CongestionFactory],
): Promise<void> {
  const { perInterval, upstream } = await twoFlows({
    congestion,
    relay,
    duration: seconds * 1000,
    secondStart: 2_000,
  });
  const half = Math.ceil(seconds / 2);
  const settled = perInterval.map((flow) => sum(flow.slice(half)));
  const dropped = (100 * upstream.overflowed / upstream.received).toFixed(1);
  console.log(
    `\n${scenario}, ${name}: Jain ${jain(settled).toFixed(3)} over the last ${seconds - half} s, ` +
      `${((settled[0]! + settled[1]!) / (seconds - half) / 1000).toFixed(0)} kB/s together, ` +
      `${dropped} % of packets dropped by the queue`,
  );
  console.log(`| s | ${perInterval[0].map((_, i) => i).join(" | ")} |`);
  console.log(`| --- |${perInterval[0].map(() => " ---: |").join("")}`);
  perInterval.forEach((flow, i) =>
    console.log(`| flow ${i} | ${flow.map((bytes) => (bytes / 1000).toFixed(0)).join(" | ")} |`)
  );
}
