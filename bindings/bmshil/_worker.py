"""The worker process behind a bmshil.Rig: one rig (one SystemC kernel) per
process. Started by rig._Worker with one end of a socket pair; it answers the
parent's calls until told to close or until the parent is gone.

Interrupts: the worker ignores SIGINT (a Ctrl-C at the terminal reaches the
whole process group; the parent decides). The parent forwards its own
KeyboardInterrupt as SIGUSR1, which stops a running call with
KeyboardInterrupt, and as SIGINT to a running suite, which stops its items.
"""

import ctypes
import os
import signal
import sys
from multiprocessing.connection import Connection
from multiprocessing.reduction import send_handle

_in_call = False


def _interrupt(signum, frame):
    # Only a call in progress is stopped; an interrupt that comes after the
    # call ended is dropped (its answer is on its way).
    if _in_call:
        raise KeyboardInterrupt


def _die_with_parent():
    PR_SET_PDEATHSIG = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


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
    _die_with_parent()
    if os.getppid() != parent:  # the parent was gone before the line above
        return 1
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGUSR1, _interrupt)
    # The compiled module alone, beside this file: the worker needs neither
    # the package nor NumPy, and starts faster without them.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _bmshil  # after the signals: importing SystemC takes a while

    conn = Connection(fd)
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
            send_handle(conn, trace_fd, parent)
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
