"""Sensor faults from Python: what the board reads against the cells' truth
for an open sense wire, a drifted NTC and a drifting shunt offset
(model/afe.h has the physics)."""

import math

import pytest

import bmshil


def test_an_open_sense_wire_drags_its_input_to_the_clamp():
    # Static balancing off, so the input moves by its own current alone:
    # 1 uA over 2 x 0.1 uF is 5 V/s, from cell 8's 3.3 V to 0.3 V below the
    # junction under it; channel 9 takes the rest (clipped at 6.258 V).
    with bmshil.Rig(soc=0.5, switches={50: False}) as rig:
        rig.run_for(1.0)
        truth_V = rig.read("cell8_V")
        rig.sense_wire(8, open=True)
        rig.run_for(0.2)
        assert rig.read("reg:cell_08_voltage") == pytest.approx(truth_V - 5.0 * 0.2, abs=0.06)
        rig.run_for(1.0)
        assert rig.read("reg:cell_08_voltage") == pytest.approx(0.0, abs=0.001)
        assert rig.read("reg:cell_09_voltage") == pytest.approx(16383 * 382e-6, abs=0.001)
        assert rig.read("cell8_V") == pytest.approx(truth_V, abs=0.002)  # the cell never moved
        rig.sense_wire(8, open=False)
        rig.run_for(0.5)
        assert rig.read("reg:cell_08_voltage") == pytest.approx(rig.read("cell8_V"), abs=0.005)
        with pytest.raises(ValueError, match="above cells 1..15"):
            rig.sense_wire(16)


def test_a_drifted_ntc_reads_warmer_by_its_beta_equation():
    # R25 x 0.6 at 25 degC reads as 1 / (1/298.15 + ln(0.6)/3435) = 312.1 K: +14.0 K.
    believed_degC = 1.0 / (1.0 / 298.15 + math.log(0.6) / 3435.0) - 273.15
    with bmshil.Rig(soc=0.5, temperature_degC=25.0, ambient_degC=25.0) as rig:
        rig.ntc_drift("cell_1", r25_scale=0.6)
        rig.run_for(2.0)
        assert rig.read("reg:temperature_cell_1") == pytest.approx(believed_degC, abs=0.5)
        assert rig.read("cell1_degC") == pytest.approx(25.0, abs=0.1)
        with pytest.raises(ValueError, match="r25_scale"):
            rig.ntc_drift("cell_1", r25_scale=0.0)


def test_a_shunt_offset_ramps_into_the_current_reading():
    with bmshil.Rig(soc=0.5) as rig:
        rig.shunt_offset(-2.0, over_s=100.0)
        rig.run_for(50.0)
        # Halfway up the ramp: -1 A read while none flows (the part's own 20 mA
        # offset and 30 mA noise, and the register's 10 mA step, aside).
        assert rig.read("reg:current") == pytest.approx(-1.0, abs=0.12)
        assert rig.read("current_A") == pytest.approx(0.0, abs=1e-6)
        rig.run_for(60.0)
        assert rig.read("reg:current") == pytest.approx(-2.0, abs=0.12)
