"""The interop matrix: each scenario drives the CLI as a black box with a Python peer and
returns a short note, or raises with the reason it failed."""

from scenarios.context import Context
from scenarios.connection import (
    connection_client_hello_extensions,
    connection_client_udp,
    connection_client_tcp,
    connection_client_relay_loss,
    connection_client_relay_corrupt,
    connection_client_server_timeout,
    connection_server_udp,
    connection_server_tcp,
    connection_server_relay_loss,
)
from scenarios.thing_client import (
    thing_client_udp,
    thing_client_tcp,
    thing_client_aes,
    thing_client_server_ttl,
    thing_client_wrong_pin,
    thing_client_chi_checks,
    thing_client_repeats,
    thing_client_relay_loss,
    thing_client_rekey,
)
from scenarios.thing_server import (
    thing_server_udp,
    thing_server_tcp,
    thing_server_cookie,
    thing_server_dash_key,
    thing_server_double_retry,
    thing_server_aes,
    thing_server_lost_flights,
    thing_server_relay_loss,
    thing_server_rekey,
)
from scenarios.hybrid import (
    hybrid_client_udp,
    hybrid_client_relay_loss,
)
from scenarios.paths import (
    thing_client_new_port,
    thing_client_quic_migration,
)

__all__ = ["Context", "EXPECTED_FAILURES", "MATRIX"]

# Scenarios that fail against the CLI for a reason reported to its authors, with a text the
# failure must contain: the runner prints XFAIL for such a failure and does not count it; any
# other failure is a FAIL, and a pass is an XPASS that counts as a failure, so that the entry is
# removed once the CLI is fixed.
EXPECTED_FAILURES: dict[str, tuple[str, str]] = {}

MATRIX = [
    ("thing-client-udp", thing_client_udp),
    ("thing-client-tcp", thing_client_tcp),
    ("thing-client-wrong-pin", thing_client_wrong_pin),
    ("thing-client-aes", thing_client_aes),
    ("thing-client-server-ttl", thing_client_server_ttl),
    ("connection-client-server-timeout", connection_client_server_timeout),
    ("thing-client-repeats", thing_client_repeats),
    ("thing-client-chi-checks", thing_client_chi_checks),
    ("connection-client-udp", connection_client_udp),
    ("connection-client-tcp", connection_client_tcp),
    ("connection-client-hello-extensions", connection_client_hello_extensions),
    ("connection-client-relay-loss", connection_client_relay_loss),
    ("connection-client-relay-corrupt", connection_client_relay_corrupt),
    ("thing-client-relay-loss", thing_client_relay_loss),
    ("connection-server-udp", connection_server_udp),
    ("connection-server-tcp", connection_server_tcp),
    ("connection-server-relay-loss", connection_server_relay_loss),
    ("thing-server-udp", thing_server_udp),
    ("thing-server-tcp", thing_server_tcp),
    ("thing-server-cookie", thing_server_cookie),
    ("thing-server-double-retry", thing_server_double_retry),
    ("thing-server-dash-key", thing_server_dash_key),
    ("thing-server-aes", thing_server_aes),
    ("thing-server-lost-flights", thing_server_lost_flights),
    ("thing-server-relay-loss", thing_server_relay_loss),
    ("thing-client-rekey", thing_client_rekey),
    ("thing-server-rekey", thing_server_rekey),
    ("hybrid-client-udp", hybrid_client_udp),
    ("hybrid-client-relay-loss", hybrid_client_relay_loss),
    ("thing-client-new-port", thing_client_new_port),
    ("thing-client-quic-migration", thing_client_quic_migration),
]
