"""Runs the interop matrix against the `thing` CLI: one line per scenario, exit 1 on any failure
(a known failure, XFAIL, does not count; see scenarios.EXPECTED_FAILURES).

    python3 interop/run.py [--cli "deno run -A cli/main.ts"] [--only NAME,...] [--seed N]
                           [--jobs N] [-v]

Scenarios mostly wait on retransmission timers, so --jobs (default 4) worker processes share them
out; each worker runs its scenarios one after another.
"""

import argparse
import pathlib
import shlex
import shutil
import signal
import subprocess
import sys
import time
import traceback

sys.path.insert(0, str(pathlib.Path(__file__).parent))

import cli_process  # noqa: E402
import scenarios  # noqa: E402

SCENARIO_LIMIT_S = 25


class Overtime(Exception):
    pass


def _alarm(signum, frame):
    raise Overtime(f"took more than {SCENARIO_LIMIT_S} s")


def default_cli(root: pathlib.Path) -> str:
    if shutil.which("deno"):
        return f"deno run -A {root / 'cli/main.ts'}"
    return f"bun {root / 'cli/main.ts'}"


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", default=None, help="command that runs the thing CLI")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--seed", type=int, default=7, help="seed of the relays' impairments")
    parser.add_argument("--jobs", type=int, default=4, help="worker processes (1: this one)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print traces of failures")
    args = parser.parse_args()
    cli_text = args.cli or default_cli(root)
    wanted = [n for n in args.only.split(",") if n]
    unknown = set(wanted) - {name for name, _ in scenarios.MATRIX}
    if unknown:
        print(f"unknown scenario(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    names = [name for name, _ in scenarios.MATRIX if not wanted or name in wanted]
    if args.jobs > 1 and len(names) > 1:
        return run_workers(names, cli_text, args)
    return run_here(names, shlex.split(cli_text), args)


def run_workers(names: list[str], cli_text: str, args) -> int:
    """Shares names out round-robin over args.jobs copies of this script; relays their verdicts."""
    started = time.monotonic()
    groups = [names[i::args.jobs] for i in range(args.jobs) if names[i::args.jobs]]
    workers = [subprocess.Popen(
        [sys.executable, __file__, "--jobs", "1", "--cli", cli_text, "--seed", str(args.seed),
         "--only", ",".join(group)] + (["-v"] if args.verbose else []),
        stdout=subprocess.PIPE, text=True, preexec_fn=cli_process.die_with_parent)
        for group in groups]
    failures, seen = 0, set()
    try:
        for worker in workers:
            for line in worker.stdout:
                if line.startswith(("PASS ", "FAIL ", "XFAIL ", "XPASS ")):
                    print(line, end="", flush=True)
                    seen.add(line.split()[1])
                    failures += line.startswith(("FAIL ", "XPASS "))
            worker.wait()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    for name in names:
        if name not in seen:
            failures += 1
            print(f"FAIL {name}: its worker ended without a verdict", flush=True)
    print(f"{failures} failed, {time.monotonic() - started:.1f} s", flush=True)
    return 1 if failures else 0


def run_here(names: list[str], cli: list[str], args) -> int:
    """Runs names one after another in this process."""
    signal.signal(signal.SIGALRM, _alarm)
    failures, started = 0, time.monotonic()
    try:
        for name, scenario in scenarios.MATRIX:
            if name not in names:
                continue
            ctx = scenarios.Context(cli, args.seed)
            t0 = time.monotonic()
            signal.alarm(SCENARIO_LIMIT_S)
            expected = scenarios.EXPECTED_FAILURES.get(name)
            try:
                note = scenario(ctx)
                if expected:
                    failures += 1
                    verdict = (f"XPASS {name} ({time.monotonic() - t0:.1f} s): {note}; it passes "
                               "now: take it off EXPECTED_FAILURES")
                else:
                    verdict = f"PASS {name} ({time.monotonic() - t0:.1f} s): {note}"
            except Exception as error:  # every failure is reported, then the next scenario runs
                took = f"({time.monotonic() - t0:.1f} s): {type(error).__name__}: {error}"
                if expected and expected[0] in str(error):
                    verdict = f"XFAIL {name} {took} (known: {expected[1]})"
                else:
                    failures += 1
                    verdict = f"FAIL {name} {took}"
                if args.verbose and not verdict.startswith("XFAIL"):
                    traceback.print_exc()
                    for peer in ctx.peers:
                        print(f"--- trace of {peer.name}", file=sys.stderr)
                        print("\n".join(peer.trace[-60:]), file=sys.stderr)
                    for p in ctx.processes:
                        print(f"--- {' '.join(p.args)}\n" + "\n".join(p.stdout[-20:] + p.stderr[-20:]),
                              file=sys.stderr)
            finally:
                signal.alarm(0)
                ctx.close()
            print(verdict, flush=True)
    finally:
        cli_process.stop_all()
    print(f"{failures} failed, {time.monotonic() - started:.1f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
