"""Charging in the freeze, in Python: below the charging under-temperature
protection (#27, on the cells) and the ambient one (#45) the charger gets
nothing; charge resumes once the cells are back above the recovery (#28)."""

import numpy as np

import bmshil
from conftest import manual_defaults


def test_no_charge_in_the_freeze_until_the_cells_warm_past_the_recovery():
    p = manual_defaults()
    cold_degC = min(p[27], p[45]) - 5.0
    with bmshil.Rig(soc=0.1, temperature_degC=cold_degC, ambient_degC=cold_degC) as rig:
        assert rig.parameters()[27] == p[27] and rig.parameters()[28] == p[28]
        rig.run_for(10.0)
        rec = rig.record(["current_A", "charge_fet", "cell_min_degC"], interval_s=1.0)
        rig.charger(voltage_V=16 * p[5] - 0.8, current_A=10.0)
        assert rig.run_until("charge_fet == off", timeout_s=3.0)
        rig.run_for(3600.0)
        cold = rec.take()
        # An hour at the charger: nothing flows, the FET stays open.
        bmshil.always(cold, "current_A <= 0.5", parameter="#27 charging under-temperature protection")
        bmshil.always(cold, "charge_fet == 0", during=(cold.time_s[0] + 3.0, cold.time_s[-1]))
        assert cold["cell_min_degC"].max() < p[27]
        # Spring: the air warms over 2 h and the cells follow.
        rig.ambient(max(p[28], p[46]) + 15.0, over_s=7200.0)
        assert rig.run_until("current_A > 1", timeout_s=10 * 3600.0)
        warm = rec.take()
        # Charge resumed only once the coldest cell had passed the recovery.
        assert rig.read("cell_min_degC") >= p[28] - 0.5
        # Until then (sampled every second) no current, and the cells below
        # the recovery for all but the last seconds.
        bmshil.always(warm, "current_A <= 0.5", parameter="#28 charging under-temperature recovery")
        assert np.all(warm["cell_min_degC"][:-2] < p[28] + 0.5)
        assert warm["cell_min_degC"][-1] >= p[28] - 0.5
        assert rig.safety() == []
