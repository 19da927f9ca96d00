"""Recorded probes as NumPy arrays."""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np


class Trace:
    """Samples of probes: ``trace.time_s`` and ``trace["current_A"]`` are 1-D
    float64 arrays of equal length, views of one (n, 1 + probes) array
    (``trace.data``) that lies in the memory the rig wrote them to.

    Booleans (FETs, the AFE latch) are 0.0 and 1.0. The samples are at every
    firmware call, or every interval the recorder was given.
    """

    def __init__(self, data: np.ndarray, names: Sequence[str]):
        if data.ndim != 2 or data.shape[1] != len(names):
            raise ValueError(f"a trace of {len(names)} columns cannot hold an array of shape {data.shape}")
        if names[0] != "time_s":
            raise ValueError(f"a trace's first column is time_s, not {names[0]!r}")
        self.data = data
        self.names = tuple(names[1:])
        self._columns = {name: k for k, name in enumerate(names)}

    @property
    def time_s(self) -> np.ndarray:
        return self.data[:, 0]

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.data[:, self._columns[name]]
        except KeyError:
            raise KeyError(f"the trace has no probe {name!r}; it has {', '.join(self.names)}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._columns

    def __len__(self) -> int:
        return self.data.shape[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def at(self, time_s: float) -> dict:
        """The last sample at or before time_s, by probe."""
        k = int(np.searchsorted(self.time_s, time_s, side="right")) - 1
        if k < 0:
            raise ValueError(f"the trace starts at {self.time_s[0]:.6g} s, after {time_s:.6g} s")
        return {name: float(self.data[k, self._columns[name]]) for name in self._columns}

    def __repr__(self) -> str:
        if len(self) == 0:
            return f"Trace(0 samples; {', '.join(self.names)})"
        return f"Trace({len(self)} samples, {self.time_s[0]:.6g}..{self.time_s[-1]:.6g} s; {', '.join(self.names)})"
