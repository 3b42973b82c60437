"""Moving packets over UDP and TCP on 127.0.0.1 (TRANSPORTS.md): one packet per datagram, or
packets back to back on a TCP stream, framed by the header's payload length."""

import select
import socket
import time

import wire

Address = tuple[str, int]


class Link:
    """What a peer needs from a transport: send to an address, wait for the next packet."""

    def send(self, data: bytes, to: Address) -> None:
        raise NotImplementedError

    def recv(self, timeout: float) -> tuple[bytes, Address] | None:
        """The next packet and its source, or None after timeout seconds."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class UdpLink(Link):
    """A UDP socket on 127.0.0.1 (port 0 = any). rebind() moves it to a new local port."""

    def __init__(self, port: int = 0):
        self.sockets: list[socket.socket] = []
        self.sock = self._open(port)
        self.received_on: Address = self.local  # the local address the last packet came in on

    def _open(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", port))
        self.sockets.append(sock)
        return sock

    @property
    def local(self) -> Address:
        return self.sock.getsockname()

    def rebind(self) -> Address:
        """Sends from a fresh port from now on; the old socket still receives."""
        self.sock = self._open(0)
        return self.local

    def send(self, data: bytes, to: Address) -> None:
        self.sock.sendto(data, to)

    def recv(self, timeout: float):
        ready, _, _ = select.select(self.sockets, [], [], max(0.0, timeout))
        if not ready:
            return None
        data, source = ready[0].recvfrom(70000)
        self.received_on = ready[0].getsockname()
        return data, source

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


class TcpClientLink(Link):
    """One TCP connection to a server; every packet comes from (and goes to) that server."""

    def __init__(self, server: Address, timeout: float = 5.0):
        self.server = server
        self.sock = socket.create_connection(server, timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.closed = False

    def send(self, data: bytes, to: Address) -> None:
        self.sock.sendall(data)

    def _take(self) -> bytes | None:
        if len(self.buffer) < wire.HEADER_SIZE:
            return None
        size = wire.frame_length(self.buffer[: wire.HEADER_SIZE])
        if len(self.buffer) < size:
            return None
        packet, self.buffer = self.buffer[:size], self.buffer[size:]
        return packet

    def recv(self, timeout: float):
        deadline = time.monotonic() + timeout
        while True:
            packet = self._take()
            if packet is not None:
                return packet, self.server
            left = deadline - time.monotonic()
            if self.closed or left <= 0:
                return None
            ready, _, _ = select.select([self.sock], [], [], left)
            if ready:
                chunk = self.sock.recv(65536)
                if not chunk:
                    self.closed = True
                self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


class TcpServerLink(Link):
    """A listening TCP socket on 127.0.0.1; each connection is a peer named by its address."""

    def __init__(self, port: int = 0):
        self.listener = socket.create_server(("127.0.0.1", port))
        self.local: Address = self.listener.getsockname()
        self.conns: dict[Address, socket.socket] = {}
        self.buffers: dict[Address, bytes] = {}
        self.ready: list[tuple[bytes, Address]] = []

    def send(self, data: bytes, to: Address) -> None:
        conn = self.conns.get(to)
        if conn is not None:
            conn.sendall(data)

    def _split(self, peer: Address) -> None:
        buffer = self.buffers[peer]
        while len(buffer) >= wire.HEADER_SIZE:
            size = wire.frame_length(buffer[: wire.HEADER_SIZE])
            if len(buffer) < size:
                break
            self.ready.append((buffer[:size], peer))
            buffer = buffer[size:]
        self.buffers[peer] = buffer

    def recv(self, timeout: float):
        deadline = time.monotonic() + timeout
        while not self.ready:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            readable, _, _ = select.select([self.listener, *self.conns.values()], [], [], left)
            for sock in readable:
                if sock is self.listener:
                    conn, peer = self.listener.accept()
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self.conns[peer], self.buffers[peer] = conn, b""
                    continue
                peer = next(a for a, c in self.conns.items() if c is sock)
                chunk = sock.recv(65536)
                if not chunk:
                    sock.close()
                    del self.conns[peer]
                    continue
                self.buffers[peer] += chunk
                self._split(peer)
        return self.ready.pop(0)

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()
        self.listener.close()
