"""A client of a live device: `bmshil serve`'s control channel (ZeroMQ).

    from bmshil.live import LiveClient
    with LiveClient("tcp://127.0.0.1:5555") as device:   # the address serve printed
        device.charger(voltage_V=58.4, current_A=30)
        device.step("cell: {cell: 4, voltage_V: p5 + 20 mV}")  # the scenario language
        print(device.status()["cell_max_V"])

Changes take effect at once, at the device's simulated time; steps that take
time (waits, expectations) belong in a scenario file played with
`bmshil serve --scenario`.
"""

import json

import zmq

from .errors import RigError


class LiveClient:
    def __init__(self, endpoint, timeout_s=10.0):
        self._context = zmq.Context.instance()
        self._socket = self._context.socket(zmq.REQ)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.RCVTIMEO, int(timeout_s * 1000))
        self._socket.setsockopt(zmq.SNDTIMEO, int(timeout_s * 1000))
        self._socket.connect(endpoint)
        self.endpoint = endpoint

    def request(self, message):
        """One request ({"step": ...}, {"status": {}}, {"read": probe}, {"stop": {}}); its reply."""
        try:
            self._socket.send_string(json.dumps(message))
            reply = json.loads(self._socket.recv_string())
        except zmq.Again:
            raise RigError(f"the live device at {self.endpoint} did not answer") from None
        if not reply.get("ok"):
            raise RigError(reply.get("error", "refused"))
        return reply

    def step(self, step):
        """A step of the scenario language, as a dict or as its YAML text."""
        return self.request({"step": step})

    def charger(self, connected=True, voltage_V=None, current_A=None):
        c = {"connected": connected}
        if voltage_V is not None:
            c["voltage_V"] = voltage_V
        if current_A is not None:
            c["current_A"] = current_A
        return self.step({"charger": c})

    def load(self, name, current_A=None, connected=True):
        l = {"name": name, "connected": connected}
        if current_A is not None:
            l["current_A"] = current_A
        return self.step({"load": l})

    def ambient(self, degC):
        return self.step({"ambient": {"degC": degC}})

    def button(self, pressed):
        return self.step({"button": {"held": "on" if pressed else "off"}})

    def status(self):
        return self.request({"status": {}})

    def read(self, probe):
        return self.request({"read": probe})["value"]

    def stop(self):
        return self.request({"stop": {}})

    def close(self):
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
