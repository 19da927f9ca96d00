"""The socket between a Rig and its worker process: marshalled messages, each
after its length, and file descriptors passed alongside (SCM_RIGHTS).

Built on the interpreter's builtin modules only (_socket, marshal), so the
worker starts in a few milliseconds more than the interpreter itself: the
parent imports this as bmshil._channel, the worker as _channel from beside
itself. Messages are tuples, lists, dicts, strings and numbers, which marshal
carries; both ends are the same Python."""

import _socket
import marshal
import sys

_LENGTH_BYTES = 8
_INT_BYTES = 4


class Channel:
    def __init__(self, sock):
        self.sock = sock

    def send(self, message) -> None:
        data = marshal.dumps(message)
        self.sock.sendall(len(data).to_bytes(_LENGTH_BYTES, "little") + data)

    def recv(self):
        length = int.from_bytes(self._exactly(_LENGTH_BYTES), "little")
        return marshal.loads(self._exactly(length))

    def poll(self, timeout_s: float) -> bool:
        """Whether a message (or the end of the stream) is waiting."""
        import select  # the parent's side only

        readable, _, _ = select.select([self.sock], [], [], timeout_s)
        return bool(readable)

    def send_fd(self, fd: int) -> None:
        ancillary = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fd.to_bytes(_INT_BYTES, sys.byteorder, signed=True))]
        self.sock.sendmsg([b"F"], ancillary)

    def recv_fd(self) -> int:
        data, ancillary, _, _ = self.sock.recvmsg(1, _socket.CMSG_SPACE(_INT_BYTES))
        for level, kind, payload in ancillary:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS and data == b"F":
                return int.from_bytes(payload[:_INT_BYTES], sys.byteorder, signed=True)
        raise EOFError("the worker sent no file descriptor")

    def close(self) -> None:
        self.sock.close()

    def _exactly(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("the worker closed the connection")
            buf += chunk
        return bytes(buf)
