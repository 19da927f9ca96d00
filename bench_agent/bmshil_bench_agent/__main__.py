"""python3 -m bmshil_bench_agent --bind URI --firmware LIB [--curve-secret FILE --allow DIR]
[--link-timeout-ms N] [--heartbeat-ms N] [--driver NAME]"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Callable, Dict

from .agent import DEFAULT_BIND, AgentError, BenchAgent, CurveSettings
from .board_contract import FirmwareError
from .instruments import Instruments


def simulated_driver(args: argparse.Namespace) -> Instruments:
    from .simulated import SimulatedInstruments

    return SimulatedInstruments(args.firmware)


# The instrument drivers by name. A real bench adds its own here (README.md,
# "Writing a driver for a real bench").
DRIVERS: Dict[str, Callable[[argparse.Namespace], Instruments]] = {
    "simulated": simulated_driver,
}


def parse_arguments(argv) -> argparse.Namespace:
    from .simulated import DEFAULT_FIRMWARE

    p = argparse.ArgumentParser(prog="python3 -m bmshil_bench_agent", description="The board side of BMSHIL-DAQ/1.")
    p.add_argument("--bind", default=DEFAULT_BIND, help=f"where the ROUTER binds (default {DEFAULT_BIND}; tcp://127.0.0.1:* picks a port)")
    p.add_argument("--driver", default="simulated", choices=sorted(DRIVERS), help="the instrument driver (default simulated)")
    p.add_argument("--firmware", default=DEFAULT_FIRMWARE, help=f"the firmware library of the simulated board (default {DEFAULT_FIRMWARE})")
    p.add_argument("--curve-secret", metavar="FILE", help="this server's secret certificate (NAME.key_secret): CURVE on")
    p.add_argument("--allow", metavar="DIR", help="directory of allowed client public certificates (*.key)")
    p.add_argument("--link-timeout-ms", type=int, default=2000, help="silence after which the bench goes to its safe state (default 2000)")
    p.add_argument("--heartbeat-ms", type=int, default=500, help="HEARTBEAT period while a session is open (default 500)")
    args = p.parse_args(argv)
    if (args.curve_secret is None) != (args.allow is None):
        p.error("CURVE needs both --curve-secret FILE and --allow DIR")
    return args


def main(argv=None) -> int:
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        instruments = DRIVERS[args.driver](args)
    except (FirmwareError, OSError) as e:
        print(f"bench agent: {e}", file=sys.stderr, flush=True)
        return 2
    curve = CurveSettings(args.curve_secret, args.allow) if args.curve_secret else None
    try:
        agent = BenchAgent(instruments, bind=args.bind, link_timeout_ms=args.link_timeout_ms, heartbeat_ms=args.heartbeat_ms, curve=curve)
    except AgentError as e:
        instruments.safe_state()
        instruments.close()
        print(f"bench agent: {e}", file=sys.stderr, flush=True)
        return 2

    def stop(signum, frame):
        agent.request_stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"bench agent: listening on {agent.endpoint}", flush=True)
    try:
        agent.serve()  # ends in the safe state, the board off
    finally:
        instruments.close()
    print("bench agent: stopped, instruments in the safe state", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
