"""Starting and stopping the `thing` CLI: every process started is remembered and killed."""

import ctypes
import json
import os
import re
import signal
import subprocess
import threading
import time

STARTED: list[subprocess.Popen] = []
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child before exec: its own process group, and SIGTERM when the parent dies (Linux),
    so that nothing outlives a runner that was killed."""
    os.setsid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the runner's own cleanup is all there is


class CliProcess:
    """One CLI process with its output collected line by line on background threads."""

    def __init__(self, command: list[str], args: list[str], stdin: bool = False):
        self.args = args
        self.proc = subprocess.Popen(
            command + args, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=die_with_parent)
        STARTED.append(self.proc)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._changed = threading.Condition()
        self._pumps = [
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True)
            for stream, sink in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr))
        ]
        for pump in self._pumps:
            pump.start()

    def _pump(self, stream, sink: list[str]) -> None:
        for raw in stream:
            with self._changed:
                sink.append(raw.decode(errors="replace").rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_line(self, pattern: str, timeout_s: float, stream: str = "stdout") -> re.Match:
        """The first line of stdout (or stderr) matching pattern; raises TimeoutError."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        sink = self.stdout if stream == "stdout" else self.stderr
        with self._changed:
            while True:
                for line in sink:
                    match = regex.search(line)
                    if match:
                        return match
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._pumping()):
                    raise TimeoutError(f"no line matching {pattern!r} from {' '.join(self.args)}; "
                                       f"stderr: {' | '.join(self.stderr[-5:])}")
                self._changed.wait(min(left, 0.1))

    def _pumping(self) -> bool:
        return not (self.proc.stdout.closed and self.proc.stderr.closed)

    def json_lines(self) -> list[dict]:
        out = []
        for line in self.stdout:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def write(self, text: str) -> None:
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def close_stdin(self) -> None:
        self.proc.stdin.close()

    def wait(self, timeout_s: float) -> int | None:
        """The exit code, once the process has ended and its output has all been collected (the
        pump threads can still be reading the pipes when the process is gone); None on timeout."""
        deadline = time.monotonic() + timeout_s
        try:
            code = self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None
        for pump in self._pumps:
            pump.join(max(0.0, deadline - time.monotonic()))
        return None if any(pump.is_alive() for pump in self._pumps) else code

    def stop(self) -> None:
        stop(self.proc)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group, then SIGKILL after a second."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(1.0)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(2.0)


def stop_all() -> None:
    for proc in STARTED:
        stop(proc)
