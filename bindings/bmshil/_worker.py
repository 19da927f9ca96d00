"""The worker process behind a bmshil.Rig: one rig (one SystemC kernel) per
process. Started by rig._Worker with one end of a socket pair; it answers the
parent's calls until told to close or until the parent is gone.

Interrupts: the worker ignores SIGINT (a Ctrl-C at the terminal reaches the
whole process group; the parent decides). The parent forwards its own
KeyboardInterrupt as SIGUSR1, which stops a running call with
KeyboardInterrupt, and as SIGINT to a running suite, which stops its items.
"""

import _signal
import _socket
import os
import sys

# The compiled module and the channel, beside this file: the worker needs
# neither the package nor NumPy, and starts faster without them.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _channel import Channel  # noqa: E402

_in_call = False


def _interrupt(signum, frame):
    # Only a call in progress is stopped; an interrupt that comes after the
    # call ended is dropped (its answer is on its way).
    if _in_call:
        raise KeyboardInterrupt


def _error(e):
    if isinstance(e, KeyboardInterrupt):
        return ("error", "KeyboardInterrupt", "interrupted")
    for kind in (ValueError, KeyError, TypeError):
        if isinstance(e, kind):
            return ("error", kind.__name__, str(e))
    return ("error", "RigError", str(e))


def main() -> int:
    global _in_call
    fd = int(sys.argv[1])
    parent = os.getppid()
    # The builtin _signal and _socket, not signal and socket: their Python
    # layers cost more start-up time than the whole of the rest.
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    _signal.signal(_signal.SIGUSR1, _interrupt)
    import _bmshil  # after the signals: importing SystemC takes a while

    _bmshil.die_with_parent()
    if os.getppid() != parent:  # the parent was gone before that
        return 1
    conn = Channel(_socket.socket(fileno=fd))
    session = None
    while True:
        try:
            method, args, kwargs = conn.recv()
        except (EOFError, OSError):
            break
        if method == "close":
            if session is not None:
                session.close_waveform()
            conn.send(("ok", None))
            break
        if method == "take":
            try:
                trace_fd, rows, columns = session.take_fd(*args)
                names = session.recorded_names(*args)
            except Exception as e:  # noqa: BLE001 - every failure goes back to the caller
                conn.send(_error(e))
                continue
            conn.send(("trace", rows, columns, names))
            conn.send_fd(trace_fd)
            os.close(trace_fd)
            continue
        try:
            _in_call = True
            if method == "__init__":
                session = _bmshil.Session(*args, **kwargs)
                value = os.getpid()
            elif method == "run_suite":
                # The suite takes SIGINT for its own while it runs (the
                # parent forwards a Ctrl-C so), then gives it back.
                value = _bmshil.run_suite(*args, **kwargs)
            else:
                value = getattr(session, method)(*args, **kwargs)
            _in_call = False
            reply = ("ok", value)
        except BaseException as e:  # noqa: BLE001
            _in_call = False
            reply = _error(e)
        conn.send(reply)
    sys.stdout.flush()
    sys.stderr.flush()
    # The kernel's static teardown is of no use to anyone: the waveform is
    # closed, the answer sent.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
