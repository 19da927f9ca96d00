"""A drifting cell in Python: one cell self-discharges 10x faster; after three
weeks on the shelf its SOC lags, the charge ends on the over-voltage of a
healthy cell (#5) while the drifting one is still low, and on the next
discharge the spread passes the cell difference failure (#61)."""

import pytest

import bmshil
from conftest import manual_defaults


def test_a_drifting_cell_ends_charges_early_and_sets_the_cell_difference_failure():
    p = manual_defaults()
    # As the YAML scenario: the discharge runs on the drifting cell's voltage
    # (switch 44 off), with room below #61 before the under-voltage trip.
    parameters = {8: max(p[8], 2.6), 7: 2.5}
    with bmshil.Rig(soc=0.8, parameters=parameters, switches={44: False}) as rig:
        rig.set_cell(5, self_discharge_scale=10.0)
        rig.run_for(21 * 86400.0)
        soc5, soc1 = rig.read("cell5_soc"), rig.read("cell1_soc")
        # 10 x 3 %/month for three weeks against 3 %/month: ~0.15 lost against ~0.02.
        assert soc5 < 0.65 and soc1 > 0.75, (soc5, soc1)
        rig.charger(voltage_V=16 * p[5] + 0.8, current_A=30.0)
        assert rig.run_until("balancing == on", timeout_s=2 * 3600.0)
        assert rig.run_until("charge_fet == off", timeout_s=3 * 3600.0)
        assert rig.read("bit:protection_bits.cell_overvoltage_protection") == 1
        assert rig.read("cell_max_V") >= p[5] - 0.010
        assert rig.read("cell_max_V") - rig.read("cell5_V") > 0.1
        rig.charger(False)
        rig.run_for(3600.0)
        rec = rig.record(["cell_spread_V", "cell5_V"], interval_s=10.0)
        rig.load("inverter", current_A=20.0)
        assert rig.run_until("bit:fault_bits.cell_voltage_difference_failure == 1", timeout_s=6 * 3600.0)
        assert rig.read("cell_spread_V") >= p[61] - 0.010
        trace = rec.take()
        # The failure came with the discharge: the spread started far below #61
        # and opened up as the drifting cell ran ahead of the others.
        spread = trace["cell_spread_V"]
        assert spread[0] < p[61] - 0.1 and spread[-1] > spread[0] + 0.15, (spread[0], spread[-1])
        assert trace["cell5_V"][-1] == pytest.approx(rig.read("cell_min_V"), abs=0.05)
