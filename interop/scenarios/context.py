"""Context, checks and helpers every scenario uses."""

import json
import os
import tempfile
import time

from cli_process import CliProcess
from links import TcpClientLink, TcpServerLink, UdpLink
from peer import ScenarioError


LOCAL = "127.0.0.1"


def check(condition: bool, why: str) -> None:
    if not condition:
        raise ScenarioError(why)


class Context:
    """The CLI command and the processes and links a scenario opened (closed by the runner)."""

    def __init__(self, cli: list[str], seed: int):
        self.cli, self.seed = cli, seed
        self.processes: list[CliProcess] = []
        self.links = []
        self.peers = []
        self.tmp = tempfile.mkdtemp(prefix="thing-interop-")

    def start(self, args: list[str], stdin: bool = False) -> CliProcess:
        process = CliProcess(self.cli, args, stdin)
        self.processes.append(process)
        return process

    def serve(self, dialect: str, transport: str = "udp", extra: tuple = ()) -> tuple:
        s = self.start(["serve", "--dialect", dialect, "--transport", transport, "--port", "0",
                        "--json", *extra])
        port = int(s.wait_line(r'"event":"listening".*"address":"127\.0\.0\.1:(\d+)"', 15).group(1))
        return s, (LOCAL, port)

    def relay(self, target: tuple, loss: float, corrupt: float = 0.0) -> tuple:
        r = self.start(["relay", "0", f"{target[0]}:{target[1]}", "--loss", str(loss), "--corrupt",
                        str(corrupt), "--seed", str(self.seed), "--json"])
        port = int(r.wait_line(r'"listen":"127\.0\.0\.1:(\d+)"', 15).group(1))
        return r, (LOCAL, port)

    def keygen(self) -> tuple[str, str, str]:
        """A fresh key file: its path, the public key and the fingerprint, as keygen prints them."""
        path = os.path.join(self.tmp, f"server{len(self.processes)}.key")
        k = self.start(["keygen", "--out", path, "--json"])
        check(k.wait(15) == 0, f"keygen failed: {k.stderr}")
        out = json.loads(k.stdout[-1])
        return path, out["publicKey"], out["fingerprint"]

    def udp(self) -> UdpLink:
        link = UdpLink()
        self.links.append(link)
        return link

    def tcp_server(self) -> TcpServerLink:
        link = TcpServerLink()
        self.links.append(link)
        return link

    def tcp(self, server: tuple) -> TcpClientLink:
        link = TcpClientLink(server)
        self.links.append(link)
        return link

    def peer(self, p):
        self.peers.append(p)
        return p

    def close(self) -> None:
        for process in self.processes:
            process.stop()
        for link in self.links:
            link.close()


def messages(n: int, prefix: str) -> list[tuple[int, bytes]]:
    return [(i % 5, f"{prefix} {i}".encode()) for i in range(n)]


def cli_connect(ctx: Context, server_peer, address: tuple, dialect: str, lines: list[str],
                 extra: tuple = (), stay_s: float = 0.0, timeout_s: float = 10.0,
                 reliable: bool = True) -> CliProcess:
    """Runs `thing connect` against our server with lines on its stdin. reliable: every line
    must come back (Connection, DATA_ACK); otherwise (Thing, DATA_NOACK on a lossy path) at
    least one, and none twice or invented."""
    cli = ctx.start(["connect", f"{address[0]}:{address[1]}", "--dialect", dialect, "--json",
                     *extra], stdin=True)
    cli.write("".join(line + "\n" for line in lines))
    started = time.monotonic()
    want = len(lines) if reliable else 1
    server_peer.run_until(lambda: len(cli.json_lines()) >= want or cli.proc.poll() is not None,
                          timeout_s, f"{want} echo(es) printed by thing connect")
    if len(cli.json_lines()) < want:
        cli.wait(1.0)  # its last words on stderr
        raise ScenarioError(f"thing connect exited {cli.proc.returncode} after "
                            f"{len(cli.json_lines())} echo(es): {' | '.join(cli.stderr[-2:])}")
    if not reliable:
        server_peer.run_for(1.0)
    if stay_s:
        server_peer.run_for(stay_s)
    cli.close_stdin()
    deadline = started + timeout_s
    server_peer.run_until(lambda: cli.proc.poll() is not None, max(0.5, deadline - time.monotonic()),
                          "thing connect to exit")
    got = [line["data"] for line in cli.json_lines()]
    if reliable:
        check(sorted(got) == sorted(lines), f"thing connect printed {got}")
    else:
        check(len(set(got)) == len(got) and set(got) <= set(lines), f"thing connect printed {got}")
    check(cli.proc.returncode == 0, f"thing connect exited {cli.proc.returncode}: {cli.stderr}")
    return cli
