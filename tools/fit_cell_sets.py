#!/usr/bin/python3
"""Fit / assemble the LFP cell parameter sets of bms-hil and check them.

Reads the public reference CSVs in model/cell_sets/reference/ and writes
  model/cell_sets/lfp_2ah_aboutenergy_18650.yaml   (fitted to the About:Energy 2 Ah LFP 18650)
  model/cell_sets/lfp_100ah_prismatic.yaml         (chemistry-level curves + scaled resistances)
in the format of model/cell_sets/FORMAT.md, then re-reads both files and checks them with
its own forward simulation of the FORMAT.md equations (constant-current discharge, exact
exponential RC solution per step, hysteresis state moving with charge throughput, start
fully charged at rest on the charge branch h=+1 with v1=v2=0). Every check is printed with
its number and PASS/FAIL (INFO lines are context without a pass/fail target).

Usage:  /usr/bin/python3 tools/fit_cell_sets.py          (deterministic, re-runnable)
Needs only Python 3 and NumPy. Exit status 1 if a check fails.
"""
import json
import math
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(ROOT, 'model', 'cell_sets', 'reference')
OUT = os.path.join(ROOT, 'model', 'cell_sets')
RGAS = 8.314462618
T_REF_C = 25.0
# Sign of the reversible heat I*T*dOCV/dT (I > 0 charge): +1, the thermodynamic sign that
# model/cell.cpp books (heat released = -T dS per charge moved, dS = F dU/dT per mole).
REV_SIGN = 1.0


# ----------------------------------------------------------------------------- input
def read_csv(name):
    """Columns of a reference CSV (lines starting with '#' are the source/licence header)."""
    with open(os.path.join(REF, name)) as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith('#')]
    hdr = lines[0].split(',')
    rows = [l.split(',') for l in lines[1:]]
    out = {}
    for j, h in enumerate(hdr):
        col = [r[j] for r in rows]
        try:
            out[h] = np.array([float(c) for c in col])
        except ValueError:
            out[h] = np.array(col)
    return out


def read_timeseries(tag, frac=0.95):
    d = read_csv('timeseries_lfp18650_aboutenergy_25C_%s.csv' % tag)
    t, i, u = d['Time [s]'], d['I[A]'], d['U[V]']
    # as tests/model/cell_validation_test.cpp: delivered Ah by sum of I[k]*dt[k], mean current = that
    # charge over the time it flowed (sample 0 is the rested voltage before the current step)
    ah = np.concatenate([[0.0], np.cumsum(i[1:] * np.diff(t))]) / -3600.0
    imean = float(np.sum(i[1:] * np.diff(t)) / (t[-1] - t[0]))
    return dict(tag=tag, t=t, I=i, U=u, Ah=ah, tot=float(ah[-1]), Imean=imean, frac=frac)


# ----------------------------------------------------------------------------- YAML
def fmt_list(vals, nd):
    return '[' + ', '.join(('%.' + str(nd) + 'f') % v for v in vals) + ']'


def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def write_yaml(path, header_lines, cell, nd):
    """cell: dict with the FORMAT.md keys; nd: decimals per table key."""
    L = ['# ' + l if l else '#' for l in header_lines]
    L.append('name: %s' % cell['name'])
    L.append('description: %s' % q(cell['description']))
    L.append('sources:')
    for s in cell['sources']:
        L.append('  - %s' % q(s))
    L.append('licence: %s' % q(cell['licence']))
    for k in ('capacity_Ah', 'coulombic_efficiency', 'self_discharge_pct_per_month',
              'reference_temperature_degC', 'voltage_min_V', 'voltage_max_V', 'hysteresis_transition_soc'):
        L.append('%s: %s' % (k, repr(float(cell[k]))))
    L.append('ocv:')
    for k in ('soc', 'average_V', 'hysteresis_gap_mV', 'entropic_mV_per_K'):
        L.append('  %s: %s' % (k, fmt_list(cell['ocv'][k], nd['ocv.' + k])))
    L.append('resistance:')
    for k in ('soc', 'r0_mohm', 'rc_mohm', 'rc_tau_s'):
        L.append('  %s: %s' % (k, fmt_list(cell['resistance'][k], nd['resistance.' + k])))
    L.append('  activation_energy_J_per_mol: %s' % repr(float(cell['resistance']['activation_energy_J_per_mol'])))
    L.append('charge_transfer:')
    for k in ('exchange_current_A', 'capacitance_F', 'activation_energy_J_per_mol'):
        L.append('  %s: %s' % (k, repr(float(cell['charge_transfer'][k]))))
    L.append('diffusion:')
    for k in ('time_s', 'activation_energy_J_per_mol'):
        L.append('  %s: %s' % (k, repr(float(cell['diffusion'][k]))))
    L.append('thermal:')
    for k in ('mass_kg', 'specific_heat_J_per_kgK', 'surface_area_m2', 'convection_W_per_m2K'):
        L.append('  %s: %s' % (k, repr(float(cell['thermal'][k]))))
    with open(path, 'w') as f:
        f.write('\n'.join(L) + '\n')


def read_yaml(path):
    """Minimal reader for the files written above (two levels, flow lists); returns floats."""
    cell, sect = {}, None
    with open(path) as f:
        for raw in f:
            line = raw.split(' #')[0].rstrip() if not raw.lstrip().startswith(('"', '- "')) else raw.rstrip()
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            ind = len(line) - len(line.lstrip())
            key, _, val = line.strip().partition(':')
            val = val.strip()
            if line.strip().startswith('- '):
                cell[sect].append(line.strip()[2:].strip('"'))
                continue
            if ind == 0:
                sect = key
                if val == '':
                    cell[key] = {} if key != 'sources' else []
                    continue
                tgt, k = cell, key
            else:
                tgt, k = cell[sect], key
            if val.startswith('['):
                tgt[k] = np.array([float(x) for x in val.strip('[]').split(',')])
            elif val.startswith('"'):
                tgt[k] = val.strip('"')
            else:
                try:
                    tgt[k] = float(val)
                except ValueError:
                    tgt[k] = val
    return cell


# ----------------------------------------------------------------------------- model
F_CONST = 96485.33212       # C/mol
BETA1 = 4.493409457909064   # first positive root of tan(b) = b: the slowest diffusion mode of a sphere


def ct_step(v, I, dt, a, I0, C):
    """Exact step of the Butler-Volmer element C dv/dt = I - 2 I0 sinh(v/a) under constant I (Riccati:
    w = (u - u+)/(u - u-) with u = exp(v/a) decays as exp(-lambda t)). As model/cell.cpp."""
    sq = math.sqrt(I * I + 4.0 * I0 * I0)
    up = (I + sq) / (2.0 * I0) if I >= 0 else 2.0 * I0 / (sq - I)
    um = -1.0 / up
    u = math.exp(v / a)
    w = (u - up) / (u - um) * math.exp(-sq / (a * C) * dt)
    return a * math.log((up - um * w) / (1.0 - w))


def ct_params(I0_ref, Ea_ct, T):
    """a = 2RT/F (V) and the exchange current I0(T) (A) at T (degC)."""
    Tk = T + 273.15
    return 2.0 * RGAS * Tk / F_CONST, I0_ref * math.exp(-Ea_ct / RGAS * (1 / Tk - 1 / (T_REF_C + 273.15)))


def tdiff_at(t_ref, Ea_d, T):
    """The diffusion time R^2/D at T (degC)."""
    return t_ref * math.exp(Ea_d / RGAS * (1 / (T + 273.15) - 1 / (T_REF_C + 273.15)))


class Cell:
    """The FORMAT.md cell (format 2): OCV at the surface SOC with hysteresis, R0, a Butler-Volmer charge-transfer
    element with its capacitance, one linear RC pair (rc), solid diffusion (surface SOC lags the bulk), Arrhenius
    terms, lumped thermal."""

    def __init__(self, c):
        self.c = c
        self.Q = c['capacity_Ah']
        self.hts = c['hysteresis_transition_soc']
        o, r = c['ocv'], c['resistance']
        self.os, self.oa, self.og, self.oe = o['soc'], o['average_V'], o['hysteresis_gap_mV'] / 1e3, o['entropic_mV_per_K'] / 1e3
        self.rs = r['soc']
        self.r0, self.rc, self.rc_tau = r['r0_mohm'] / 1e3, r['rc_mohm'] / 1e3, r['rc_tau_s']
        self.Ea = r['activation_energy_J_per_mol']
        ct, dif = c['charge_transfer'], c['diffusion']
        self.I0, self.Cct, self.Ea_ct = ct['exchange_current_A'], ct['capacitance_F'], ct['activation_energy_J_per_mol']
        self.tdiff, self.Ea_d = dif['time_s'], dif['activation_energy_J_per_mol']
        self.sd = c['self_discharge_pct_per_month'] / 100.0 / (30 * 86400.0)   # fraction of Q per s at T_ref
        th = c['thermal']
        self.mcp = th['mass_kg'] * th['specific_heat_J_per_kgK']
        self.hA = th['convection_W_per_m2K'] * th['surface_area_m2']

    def avg(self, soc):
        if soc > 1.0:                     # FORMAT.md: steep wall (20 V per unit SOC) beyond the table
            return self.oa[-1] + (soc - 1.0) * 20.0
        if soc < 0.0:
            return max(0.0, self.oa[0] + soc * 20.0)
        return float(np.interp(soc, self.os, self.oa))

    def ocv(self, soc, h, T):
        sc = min(1.0, max(0.0, soc))
        return self.avg(soc) + h * np.interp(sc, self.os, self.og) / 2 + np.interp(sc, self.os, self.oe) * (T - T_REF_C)

    def res(self, soc, T):
        """R0, rc (ohm), rc tau (s) at bulk SOC and T."""
        f = math.exp(self.Ea / RGAS * (1 / (T + 273.15) - 1 / (T_REF_C + 273.15)))
        return (f * float(np.interp(soc, self.rs, self.r0)), f * float(np.interp(soc, self.rs, self.rc)),
                float(np.interp(soc, self.rs, self.rc_tau)))

    def ct_params(self, T):
        return ct_params(self.I0, self.Ea_ct, T)

    def tdiff_at(self, T):
        return tdiff_at(self.tdiff, self.Ea_d, T)

    def run(self, I, dt, v_cut=None, t_end=None, soc0=1.0, h0=1.0, T0=T_REF_C, thermal=False, T_amb=T_REF_C, rev_sign=1.0,
            first_dt=None):
        """Constant current I (A, >0 charging). Start at rest (v_ct = v_rc = delta = 0). Per step: parameters from the
        state at the start of the step; exact solutions of the Butler-Volmer element, the RC pair, the diffusion state
        and the hysteresis; SOC moved with the charge of the step, self-discharge at its T-dependent rate. Stops at
        v_cut (V) or t_end (s). Returns t, Ah delivered, V (index 0 = rest before the step, index 1 = t=0+ after the
        R0 drop) and the cut-off Ah (interpolated). thermal=True: lumped m*cp dT/dt = heat - h*A*(T - T_amb) with
        heat = I*(V - U_eq(bulk)) + rev_sign*I*T*dOCV/dT. self.T_trace holds (t, T), self.surface the surface SOC."""
        soc, h, vct, vrc, dl, T, t, ah = soc0, h0, 0.0, 0.0, 0.0, T0, 0.0, 0.0
        ts, ahs = [0.0], [0.0]
        vs = [float(self.ocv(soc, h, T))]
        Ts = [T, T]
        surf = [soc, soc]
        ts.append(0.0); ahs.append(0.0); vs.append(vs[0] + I * self.res(soc, T)[0])
        s = 1.0 if I > 0 else -1.0
        eta = self.c['coulombic_efficiency'] if I > 0 else 1.0
        cut = None
        step = first_dt if first_dt is not None else dt
        while True:
            r0, rc, tau = self.res(soc, T)
            a, I0 = self.ct_params(T)
            vct = ct_step(vct, I, step, a, I0, self.Cct)
            ar = math.exp(-step / tau)
            vrc = ar * vrc + I * rc * (1 - ar)
            td = self.tdiff_at(T)
            dss = td / 15.0 * eta * I / (3600.0 * self.Q)
            dl = dss + (dl - dss) * math.exp(-step * BETA1 ** 2 / td)
            dq = abs(I) * step / 3600.0
            soc += s * eta * dq / self.Q - self.sd * 2 ** ((T - T_REF_C) / 10) * step
            h = s + (h - s) * math.exp(-dq / (self.hts * self.Q))
            t += step
            ah -= I * step / 3600.0
            v = float(self.ocv(soc + dl, h, T)) + I * r0 + vct + vrc
            if thermal:
                u_eq = self.avg(soc) + float(np.interp(min(1, max(0, soc)), self.os, self.oe)) * (T - T_REF_C)
                q_heat = I * (v - u_eq) + rev_sign * I * (T + 273.15) * float(np.interp(min(1, max(0, soc)), self.os, self.oe))
                T += step * (q_heat - self.hA * (T - T_amb)) / self.mcp
            ts.append(t); ahs.append(ah); vs.append(v); Ts.append(T); surf.append(soc + dl)
            step = dt
            if v_cut is not None and ((I < 0 and v <= v_cut) or (I > 0 and v >= v_cut)):
                cut = float(np.interp(v_cut, [vs[-1], vs[-2]], [ahs[-1], ahs[-2]])) if I < 0 else ah
                break
            if t_end is not None and t >= t_end - 1e-9:
                break
            if t > 1e7:
                break
        self.T_trace = (np.array(ts), np.array(Ts))
        self.surface = np.array(surf)
        return np.array(ts), np.array(ahs), np.array(vs), cut

    def pulse_rapp(self, I, soc0, h0, times=(0.002, 1.0)):
        """Apparent resistance (V_rest - V(t))/|I| of a current step from rest, in ohm: one step of 2 ms, then
        steps of the rest of the time (every element is solved exactly, so the step length does not matter)."""
        out = {}
        for tt in times:
            if tt <= 0.002 + 1e-12:
                t, ah, v, _ = self.run(I, tt, t_end=tt, soc0=soc0, h0=h0)
            else:
                t, ah, v, _ = self.run(I, tt - 0.002, t_end=tt, soc0=soc0, h0=h0, first_dt=0.002)
            out[tt] = (v[0] - v[-1]) / abs(I)
        return out


def compare(D, ah_model, v_model, with_rest=False):
    """RMSE (V) of model vs measured at equal delivered Ah over the first frac of the measured Ah
    (model trajectory from t = 0+, linearly interpolated onto the measured samples' delivered Ah)."""
    sel = D['Ah'] <= D['frac'] * D['tot']
    am, vm = D['Ah'][sel], D['U'][sel]
    if not with_rest:
        am, vm = am[1:], vm[1:]            # sample 0 is the rest voltage before the current step
    e = np.interp(am, ah_model[1:], v_model[1:]) - vm
    return math.sqrt(float(np.mean(e ** 2))), float(np.max(np.abs(e))), am, e


# ----------------------------------------------------------------------------- numerics
def nnls(A, b):
    """Lawson-Hanson non-negative least squares (deterministic)."""
    m, n = A.shape
    P = np.zeros(n, bool)
    x = np.zeros(n)
    w = A.T @ (b - A @ x)
    it = 0
    while (~P).any() and w[~P].max() > 1e-10 * max(1.0, np.abs(w).max()) and it < 10 * n:
        j = np.where(~P)[0][np.argmax(w[~P])]
        P[j] = True
        while True:
            it += 1
            z = np.zeros(n)
            z[P] = np.linalg.lstsq(A[:, P], b, rcond=None)[0]
            if (z[P] > 0).all():
                break
            mask = P & (z <= 0)
            alpha = np.min(x[mask] / (x[mask] - z[mask]))
            x = x + alpha * (z - x)
            P = P & (x > 1e-15)
            x[~P] = 0
        x = z
        w = A.T @ (b - A @ x)
    return x


def hat(grid, s):
    """Linear-interpolation weight matrix (len(s) x len(grid)), held constant outside the grid."""
    s = np.clip(s, grid[0], grid[-1])
    k = np.clip(np.searchsorted(grid, s, side='right') - 1, 0, len(grid) - 2)
    f = (s - grid[k]) / (grid[k + 1] - grid[k])
    W = np.zeros((len(s), len(grid)))
    W[np.arange(len(s)), k] = 1 - f
    W[np.arange(len(s)), k + 1] = f
    return W


# ----------------------------------------------------------------------------- 2 Ah fit
# Hyper-parameters of the 2 Ah fit. The outer parameters (Q, I0, C_ct, t_diff, rc tau) are found by a
# Nelder-Mead search (start values here); the OCV nodes, the rc(SOC) nodes and R0 by NNLS inside it.
AE = dict(
    Q=2.058,           # Ah (start value)
    I0=1.15,            # A, exchange current at 25 degC (start value; searched within the BPX electrodes' range)
    Cct=16.0,          # F, charge-transfer capacitance (start value)
    tdiff=3300.0,      # s, R^2/D (start value; searched within the BPX particles' range)
    rc_tau=50.0,       # s (start value)
    hts=0.03,          # hysteresis_transition_soc (fit is insensitive over 0.02-0.05)
    lam_r=30.0,        # smoothness weight of the rc(SOC) table
    lam_bpx=1.25,      # weight pulling average_V toward the BPX equilibrium curve (SOC 0.1-0.9): BPX RMS <= 10 mV
                       # (the C/20 record alone would put average_V ~10 mV above BPX; 1.25 keeps its RMSE under 7 mV)
    rc_min=0.002, rc_max=0.5,   # ohm, bounds of rc(SOC)
    eps=2e-5,          # V, minimum step between OCV nodes (strictly increasing)
    sigma_window=0.006, sigma_tail=0.03,     # V, weights of the records inside / beyond the first 95 % of their charge
    sigma_r2ms=0.2e-3, sigma_r1s=1.5e-3,     # ohm, weights of the pulse rows
)
AE_OCV_GRID = np.array(
    [0, 0.001, 0.002, 0.004, 0.006, 0.008, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045]
    + [round(x, 4) for x in np.arange(0.05, 0.951, 0.01)]
    + [0.96, 0.97, 0.98, 0.985, 0.99, 0.9925, 0.995, 0.9965, 0.998, 0.999, 0.9995, 1.0])
# all nodes are multiples of 0.0005: model/cell.cpp resamples the tables onto 2001 uniform points
AE_R_GRID = np.array([0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
                      0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0])
AE_EA_R = 18000.0      # J/mol, Arrhenius of R0 and rc (Sony Rint fit)


def bpx_params(bpx_json):
    """What the BPX file says about the rate terms: the diffusion time R^2/D of each electrode's particles, the
    small-signal charge-transfer resistance RT/(F I0) of each electrode at half lithiation and its activation energy."""
    P = bpx_json['Parameterisation']
    area = P['Cell']['Electrode area [m2]']
    out = {}
    for side, key in (('negative', 'Negative electrode'), ('positive', 'Positive electrode')):
        e = P[key]
        t = e['Particle radius [m]'] ** 2 / e['Diffusivity [m2.s-1]']
        # BPX: j0 = F k sqrt(c_e/c_e0) sqrt(x (1 - x)), x the stoichiometry; reaction area a*L*A
        react_area = e['Surface area per unit volume [m-1]'] * e['Thickness [m]'] * area
        i0 = F_CONST * e['Reaction rate constant [mol.m-2.s-1]'] * 0.5 * react_area
        out[side] = dict(tdiff=t, Ea_d=e['Diffusivity activation energy [J.mol-1]'], I0=i0,
                         Rct=RGAS * 298.15 / (F_CONST * i0), Ea_ct=e['Reaction rate constant activation energy [J.mol-1]'])
    return out


def trajectories(I, dt, n, p, Tpath=None):
    """The states of a constant-current run from rest at full charge (h = +1) on a grid of n+1 steps: they do not
    depend on the OCV table, R0 or the rc nodes, so the voltage is linear in those. Tpath (t, T) from a previous run."""
    t = np.arange(n + 1) * dt
    T = np.full(n + 1, T_REF_C) if Tpath is None else np.interp(t, *Tpath)
    f = np.exp(AE_EA_R / RGAS * (1 / (T + 273.15) - 1 / (T_REF_C + 273.15)))
    sd = 3.0 / 100 / (30 * 86400.0) * 2 ** ((T - T_REF_C) / 10)
    ah = -I * t / 3600
    soc = 1 - ah / p['Q'] - np.concatenate([[0.0], np.cumsum(sd[:-1] * dt)])
    h = -1 + 2 * np.exp(-ah / (p['hts'] * p['Q']))
    rg = AE_R_GRID
    Phi = hat(rg, soc)
    ar = math.exp(-dt / p['rc_tau'])
    U = np.zeros((n + 1, len(rg)))
    vct = np.zeros(n + 1)
    dl = np.zeros(n + 1)
    for k in range(n):                      # exact step solutions, parameters at the start of the step
        U[k + 1] = ar * U[k] + I * (1 - ar) * f[k] * Phi[k]
        a, I0 = ct_params(p['I0'], p['Ea_ct'], T[k])
        vct[k + 1] = ct_step(vct[k], I, dt, a, I0, p['Cct'])
        td = tdiff_at(p['tdiff'], p['Ea_d'], T[k])
        dss = td / 15.0 * I / (3600.0 * p['Q'])
        dl[k + 1] = dss + (dl[k] - dss) * math.exp(-dt * BETA1 ** 2 / td)
    return dict(t=t, T=T, f=f, ah=ah, soc=soc, surf=soc + dl, h=h, U=U, vct=vct)


def fit_2ah(D20, D2, sony, bpx, pulse, p, Tpaths=None, stride=1):
    """Linear least squares for (average_V nodes, rc(SOC) nodes, R0) at fixed outer parameters, against the C/20 and
    C/2 discharges (every sample: inside the first 95 % of the charge at sigma_window, beyond at sigma_tail), the pulse
    file's R_app at 2 ms and 1 s for the three rates, a weak pull toward the BPX equilibrium OCV and a smoothness term
    on rc(SOC). OCV nodes: a_i = 2.0 V + sum of non-negative steps (strictly increasing, a(0) = 2.0 V fixed, a(1) free:
    the rested full cell); rc nodes in [rc_min, rc_max]; NNLS. Returns (average_V, rc, R0)."""
    og, rg = AE_OCV_GRID, AE_R_GRID
    N, nr = len(og), len(rg)
    M = np.zeros((N, N - 1))
    for i in range(1, N):
        M[i, :i] = 1.0
    aconst = 2.0 + np.arange(N) * p['eps']
    gap = lambda s: np.interp(np.clip(s, 0, 1), sony['soc'], sony['hyst_full_gap_mV']) / 1e3
    ent = lambda s: np.interp(np.clip(s, 0, 1), bpx['soc'], bpx['dOCVdT_mV_per_K']) / 1e3
    rows, rhs = [], []
    for D, dt in ((D20, 5.0), (D2, 1.0)):
        I = D['Imean']
        n = int(D['tot'] * 1.02 * 3600 / -I / dt) + 2
        tr = trajectories(I, dt, n, p, None if Tpaths is None else Tpaths[D['tag']])
        am, vm = D['Ah'][::stride], D['U'][::stride]     # sample 0 (rest) compared with V(0+), as the C++ test
        it = lambda x: np.interp(am, tr['ah'], x)
        sm, hm, fm, Tm = it(tr['surf']), it(tr['h']), it(tr['f']), it(tr['T'])
        um = np.column_stack([it(tr['U'][:, j]) for j in range(nr)])
        Po = hat(og, sm)
        # beyond the table the OCV is a wall: 2.0 V + 20 V per unit SOC below 0 (FORMAT.md)
        wall = np.where(sm < 0, 20.0 * sm, 0.0)
        const = Po @ aconst + wall + hm * gap(sm) / 2 + it(tr['vct']) + um @ np.full(nr, p['rc_min']) + ent(sm) * (Tm - T_REF_C)
        sig = np.where(am <= D['frac'] * D['tot'], p['sigma_window'], p['sigma_tail'])
        w = 1 / (math.sqrt(np.sum(am <= D['frac'] * D['tot'])) * sig)
        rows.append(w[:, None] * np.hstack([Po @ M, um, (I * fm)[:, None]]))
        rhs.append(w * (vm - const))
    # pulses from rest at full charge (h = +1): V(t) - V_rest = -R_app |I|
    for I_nom in (1.0, 2.0, 4.0):
        I = -I_nom
        for tt, sig in ((0.002, p['sigma_r2ms']), (1.0, p['sigma_r1s'])):
            sel = (pulse['I_nominal_A'] == I_nom) & (np.abs(pulse['t_s'] - tt) < 1e-9)
            r_app = float(pulse['R_app_mOhm'][sel][0]) / 1e3
            a, I0 = ct_params(p['I0'], p['Ea_ct'], T_REF_C)
            vct = ct_step(ct_step(0.0, I, 0.002, a, I0, p['Cct']), I, tt - 0.002, a, I0, p['Cct']) if tt > 0.002 \
                else ct_step(0.0, I, tt, a, I0, p['Cct'])
            dss = p['tdiff'] / 15.0 * I / (3600.0 * p['Q'])
            dl = dss * (1 - math.exp(-tt * BETA1 ** 2 / p['tdiff']))
            q = -I * tt / 3600.0
            s_b = 1 - q / p['Q']
            s_s = s_b + dl
            hh = -1 + 2 * math.exp(-q / (p['hts'] * p['Q']))
            Po = hat(og, np.array([s_s]))[0] - hat(og, np.array([1.0]))[0]
            rcb = I * (1 - math.exp(-tt / p['rc_tau'])) * hat(rg, np.array([s_b]))[0]
            const = Po @ aconst + hh * float(gap(s_s)) / 2 - float(gap(1.0)) / 2 + vct + rcb @ np.full(nr, p['rc_min'])
            w = 1 / (sig * I_nom)
            rows.append(w * np.hstack([Po @ M, rcb, [I]])[None, :])
            rhs.append(np.array([w * (-r_app * I_nom - const)]))
    Dr = np.zeros((nr - 2, N - 1 + nr + 1))         # second differences of rc(SOC)
    for k in range(nr - 2):
        h1, h2 = rg[k + 1] - rg[k], rg[k + 2] - rg[k + 1]
        Dr[k, N - 1 + k:N + k + 2] = np.array([1 / h1, -1 / h1 - 1 / h2, 1 / h2]) * math.sqrt((h1 + h2) / 2)
    rows.append(p['lam_r'] * 0.01 * Dr)
    rhs.append(np.zeros(nr - 2))
    sb = np.round(np.arange(0.1, 0.90001, 0.0025), 4)     # dense, so that every node is pulled alike
    Pb = hat(og, sb)
    wb = p['lam_bpx'] / (math.sqrt(len(sb)) * 0.010)
    rows.append(wb * np.hstack([Pb @ M, np.zeros((len(sb), nr + 1))]))
    rhs.append(wb * (np.interp(sb, bpx['soc'], bpx['ocv_V']) - Pb @ aconst))
    A, b = np.vstack(rows), np.concatenate(rhs)
    nx = N - 1 + nr + 1
    fixed = np.zeros(nx, bool)
    xf = np.zeros(nx)
    for _ in range(nr):                          # upper bound on rc by fixing offending nodes at rc_max
        free = ~fixed
        x = xf.copy()
        x[free] = nnls(A[:, free], b - A[:, fixed] @ xf[fixed])
        over = np.zeros(nx, bool)
        over[N - 1:N - 1 + nr] = (p['rc_min'] + x[N - 1:N - 1 + nr]) > p['rc_max']
        if not over.any():
            break
        fixed |= over
        xf[over] = p['rc_max'] - p['rc_min']
    a = aconst + M @ x[:N - 1]
    rc = p['rc_min'] + x[N - 1:N - 1 + nr]
    return a, rc, float(x[-1])


def nelder_mead(f, x0, step, iters=120, tol=1e-4):
    """Plain Nelder-Mead (deterministic), minimising f over R^n from x0 with initial simplex steps."""
    n = len(x0)
    pts = [np.array(x0, float)] + [np.array(x0, float) + np.eye(n)[i] * step[i] for i in range(n)]
    vals = [f(x) for x in pts]
    for _ in range(iters):
        order = np.argsort(vals)
        pts, vals = [pts[i] for i in order], [vals[i] for i in order]
        if abs(vals[-1] - vals[0]) <= tol * max(1e-12, abs(vals[0])):
            break
        c = np.mean(pts[:-1], axis=0)
        xr = c + (c - pts[-1]); fr = f(xr)
        if fr < vals[0]:
            xe = c + 2 * (c - pts[-1]); fe = f(xe)
            pts[-1], vals[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < vals[-2]:
            pts[-1], vals[-1] = xr, fr
        else:
            xc = c + 0.5 * (pts[-1] - c); fc = f(xc)
            if fc < vals[-1]:
                pts[-1], vals[-1] = xc, fc
            else:
                for i in range(1, n + 1):
                    pts[i] = pts[0] + 0.5 * (pts[i] - pts[0]); vals[i] = f(pts[i])
    i = int(np.argmin(vals))
    return pts[i], vals[i]


def evaluate_2ah(cell, D20, D2, pulse, dt20=5.0, dt2=5.0):
    """The validation measures of a cell set: RMSE over the first 95 % of the charge and delivered capacity to 2.0 V
    at C/20 and C/2 (as tests/model/cell_validation_test.cpp runs them: from rest, full, h=+1, self-heating at
    25 degC ambient), and R_app at 2 ms and 1 s of the three pulses (from rest at full charge, as measured)."""
    m = Cell(cell)
    out = {}
    for D, dt in ((D20, dt20), (D2, dt2)):
        t, ah, v, cap = m.run(D['Imean'], dt, v_cut=2.0, thermal=True, rev_sign=REV_SIGN)
        e, emax, _, _ = compare(D, ah, v, with_rest=True)
        out[D['tag']] = dict(rmse=e, max=emax, cap=cap, cap_err=cap / D['tot'] - 1, Tmax=float(m.T_trace[1].max()))
    for I_nom in (1.0, 2.0, 4.0):
        rr = m.pulse_rapp(-I_nom, 1.0, 1.0)
        for tt in (0.002, 1.0):
            sel = (pulse['I_nominal_A'] == I_nom) & (np.abs(pulse['t_s'] - tt) < 1e-9)
            meas = float(pulse['R_app_mOhm'][sel][0]) / 1e3
            out[(I_nom, tt)] = dict(model=rr[tt], meas=meas, err=rr[tt] / meas - 1)
    return out


# The validation limits (RMSE over the first 95 % of the charge, delivered capacity, R(2 ms), R(1 s)); the search
# aims at 90 % of each, so that the C++ runs (other step lengths) keep a margin.
LIMITS = dict(rmse=0.008, cap=0.015, r2ms=0.05, r1s=0.10)


def objective_2ah(ev):
    terms = []
    for tag in ('Co20', 'Co2'):
        terms += [(ev[tag]['rmse'], LIMITS['rmse']), (abs(ev[tag]['cap_err']), LIMITS['cap'])]
    for I_nom in (1.0, 2.0, 4.0):
        terms += [(abs(ev[(I_nom, 0.002)]['err']), LIMITS['r2ms']), (abs(ev[(I_nom, 1.0)]['err']), LIMITS['r1s'])]
    return sum((x / lim) ** 2 + 100.0 * max(0.0, x / lim - 0.9) ** 2 for x, lim in terms)


def build_2ah(D20, D2, sony, bpx, pulse, bpx_json, verbose=True):
    bp = bpx_params(bpx_json)
    # the search range of t_diff: the two electrodes' R^2/D, widened by 2 each way (the lumped surface state also
    # carries the electrolyte's depletion and the uneven reaction through the electrode's thickness)
    t_lo, t_hi = sorted((bp['negative']['tdiff'], bp['positive']['tdiff']))
    lo, hi = t_lo / 2.0, 2.0 * t_hi
    # the charge-transfer activation energy: the two electrodes' weighted by their share of the small-signal R_ct
    rn, rp = bp['negative']['Rct'], bp['positive']['Rct']
    Ea_ct = (rn * bp['negative']['Ea_ct'] + rp * bp['positive']['Ea_ct']) / (rn + rp)
    p = dict(AE)
    p['Ea_ct'] = round(Ea_ct, -2)

    # the search range of I0: the two electrodes' exchange currents, widened by 2 each way
    i_lo, i_hi = sorted((bp['negative']['I0'], bp['positive']['I0']))
    i_lo, i_hi = i_lo / 2.0, 2.0 * i_hi

    def bounded(z, a, b):          # R -> (a, b), log-uniform
        return math.exp(math.log(a) + (math.log(b) - math.log(a)) * (0.5 + 0.5 * math.tanh(z)))

    def unbounded(v, a, b):
        return math.atanh(2 * (math.log(v) - math.log(a)) / (math.log(b) - math.log(a)) - 1)

    def params_of(x):
        q = dict(p)
        q['Q'], q['Cct'], q['rc_tau'] = math.exp(x[0]), math.exp(x[2]), math.exp(x[4])
        q['I0'] = bounded(x[1], i_lo, i_hi)
        q['tdiff'] = bounded(x[3], lo, hi)
        # diffusion activation energy: between the electrodes', by where t_diff lies between theirs (log scale)
        wgt = math.log(q['tdiff'] / bp['negative']['tdiff']) / math.log(bp['positive']['tdiff'] / bp['negative']['tdiff'])
        wgt = min(1.0, max(0.0, wgt))
        q['Ea_d'] = round(bp['negative']['Ea_d'] + wgt * (bp['positive']['Ea_d'] - bp['negative']['Ea_d']), -2)
        return q

    def make(q, Tp, stride=1):
        a, rc, r0 = fit_2ah(D20, D2, sony, bpx, pulse, q, Tpaths=Tp, stride=stride)
        return assemble_2ah(a, rc, r0, sony, bpx, q)

    Tp = None
    x0 = np.array([math.log(p['Q']), unbounded(p['I0'], i_lo, i_hi), math.log(p['Cct']),
                   unbounded(p['tdiff'], lo, hi), math.log(p['rc_tau'])])
    best = None
    for rnd in range(2):   # search, then again along the self-heating temperature of the best cell
        cache = {}

        def f(x):
            key = tuple(np.round(x, 6))
            if key not in cache:
                q = params_of(x)
                cell = make(q, Tp, stride=10)
                ev = evaluate_2ah(cell, D20, D2, pulse, dt20=20.0, dt2=10.0)
                cache[key] = objective_2ah(ev)
                if verbose:
                    print('   Q %.4f I0 %.3f C %.2f tdiff %.0f rc_tau %.1f -> J %.3f  (C/20 %.1f mV %+.2f %%, C/2 %.1f mV %+.2f %%, '
                          'R1s %+.1f/%+.1f/%+.1f %%)' % (q['Q'], q['I0'], q['Cct'], q['tdiff'], q['rc_tau'], cache[key],
                          1e3 * ev['Co20']['rmse'], 100 * ev['Co20']['cap_err'], 1e3 * ev['Co2']['rmse'], 100 * ev['Co2']['cap_err'],
                          100 * ev[(1.0, 1.0)]['err'], 100 * ev[(2.0, 1.0)]['err'], 100 * ev[(4.0, 1.0)]['err']), flush=True)
            return cache[key]

        x0, j = nelder_mead(f, x0, [0.005, 0.2, 0.2, 0.2, 0.2], iters=40 if rnd == 0 else 20)
        q = params_of(x0)
        cell = make(q, Tp)
        m = Cell(cell)
        Tp = {}
        for D, dt in ((D20, 5.0), (D2, 1.0)):
            m.run(D['Imean'], dt, v_cut=2.0, thermal=True, rev_sign=REV_SIGN)
            Tp[D['tag']] = m.T_trace
        best = (q, cell)
    q, cell = best
    cell = make(q, Tp)
    full = cell['ocv']['average_V'][-1] + cell['ocv']['hysteresis_gap_mV'][-1] / 2e3
    hdr = header_2ah(q, bp, full)
    nd = {'ocv.soc': 4, 'ocv.average_V': 5, 'ocv.hysteresis_gap_mV': 2, 'ocv.entropic_mV_per_K': 4,
          'resistance.soc': 3, 'resistance.r0_mohm': 2, 'resistance.rc_mohm': 2, 'resistance.rc_tau_s': 1}
    return cell, hdr, nd


def assemble_2ah(a, rc, r0, sony, bpx, p):
    og, rg = AE_OCV_GRID, AE_R_GRID
    gap = np.interp(og, sony['soc'], sony['hyst_full_gap_mV'])
    ent = np.interp(og, bpx['soc'], bpx['dOCVdT_mV_per_K'])
    n = len(rg)
    cell = dict(
        name='lfp_2ah_aboutenergy_18650',
        description='About:Energy 2 Ah LFP|graphite 18650: OCV with hysteresis, R0, Butler-Volmer charge transfer, solid diffusion and one RC, fitted to its published 25 degC C/20 and C/2 discharges and pulse resistances',
        sources=[
            'About:Energy LFP 18650 validation data LFP/data/validation/LFP_25degC_Co20.csv and LFP_25degC_Co2.csv, github.com/About-Energy-OpenSource/About-Energy-BPX-Parameterisation @ d22c8a6d3603a16bd9b7a3a0c447d36925555358 (CC BY-SA 4.0)',
            'About:Energy BPX parameter file LFP/lfp_18650_cell_BPX.json @ 8efd45a7495ad8d3a4d72b547e657322a4baabd2 (equilibrium OCV, dOCV/dT, particle radii, diffusivities, reaction rates, thermal; CC BY-SA 4.0)',
            'Sony/Murata US26650FTC1 hysteresis gap and Arrhenius factor, TUM EES data via github.com/martincornejo/simses-lite @ 19c45adf48db0770e6b41273776b509e9bc0bba6 (BSD-3-Clause)',
            'fit: tools/fit_cell_sets.py on model/cell_sets/reference/*.csv and ../shared/reference/cell/bpx_lfp18650_aboutenergy.json (copied as model/cell_sets/reference/bpx_lfp18650_aboutenergy.json)',
        ],
        licence='CC BY-SA 4.0 (derived from About:Energy data, (c) About:Energy Ltd; attribution and share-alike required); Sony/TUM hysteresis gap BSD-3-Clause (c) TUM EES',
        capacity_Ah=round(p['Q'], 4), coulombic_efficiency=0.999, self_discharge_pct_per_month=3.0,
        reference_temperature_degC=25.0, voltage_min_V=2.0, voltage_max_V=3.65,
        hysteresis_transition_soc=p['hts'],
        ocv=dict(soc=og, average_V=a, hysteresis_gap_mV=gap, entropic_mV_per_K=ent),
        resistance=dict(soc=rg, r0_mohm=np.full(n, r0 * 1e3), rc_mohm=rc * 1e3, rc_tau_s=np.full(n, p['rc_tau']),
                        activation_energy_J_per_mol=AE_EA_R),
        charge_transfer=dict(exchange_current_A=round(p['I0'], 4), capacitance_F=round(p['Cct'], 3),
                             activation_energy_J_per_mol=p['Ea_ct']),
        diffusion=dict(time_s=round(p['tdiff'], 1), activation_energy_J_per_mol=p['Ea_d']),
        thermal=dict(mass_kg=0.033, specific_heat_J_per_kgK=999.0, surface_area_m2=0.0042, convection_W_per_m2K=15.0),
    )
    return cell


def header_2ah(q, bp, full):
    n, pp = bp['negative'], bp['positive']
    return [
        'bms-hil cell set: About:Energy 2 Ah LFP|graphite cylindrical 18650 (format: model/cell_sets/FORMAT.md).',
        'Generated by tools/fit_cell_sets.py from model/cell_sets/reference/ -- edit the script, not this file.',
        '',
        'LICENCE: CC BY-SA 4.0. The numbers are derived from About:Energy Ltd data (About-Energy-OpenSource/',
        'About-Energy-BPX-Parameterisation, CC BY-SA 4.0): the measured 25 degC C/20 and C/2 discharges',
        '(LFP/data/validation/LFP_25degC_Co20.csv, LFP_25degC_Co2.csv) and the BPX file lfp_18650_cell_BPX.json.',
        'Share-alike: this file and anything derived from it stay CC BY-SA 4.0 with this attribution.',
        'The hysteresis gap is the Sony/Murata US26650FTC1 table of TUM EES (simses-lite, BSD-3-Clause, (c) TUM EES).',
        'The same cell\'s 1C, 2C and drive-cycle records are held back as a blind test: nothing here is fitted to them.',
        '',
        'HOW EACH NUMBER WAS DERIVED',
        ' The fit runs the model as tests/model/cell_validation_test.cpp does (start rested, full, h=+1; lumped',
        ' self-heating at 25 degC ambient) and searches (Nelder-Mead) capacity_Ah, the exchange current, the',
        ' charge-transfer capacitance, the diffusion time and the rc time constant; for each it solves the OCV nodes,',
        ' rc(SOC) and R0 by non-negative least squares against every sample of the C/20 and C/2 records and the',
        ' pulse file\'s R_app at 2 ms and 1 s for C/2, 1C and 2C (from rest at full charge, as measured). The search',
        ' minimises the validation measures: RMSE over the first 95 % of the charge, delivered capacity, pulse errors.',
        ' capacity_Ah %.4f: the bulk charge between the rested full cell and SOC 0; a C/20 discharge delivers less' % q['Q'],
        '   because its surface SOC reaches 0 first.',
        ' charge_transfer: exchange current %.3f A (small-signal R_ct = RT/(F I0) = %.1f mOhm), capacitance %.2f F;' % (
            q['I0'], 1e3 * RGAS * 298.15 / (F_CONST * q['I0']), q['Cct']),
        '   BPX at half lithiation: negative I0 %.2f A (R_ct %.1f mOhm), positive I0 %.2f A (R_ct %.1f mOhm), in series %.1f mOhm.' % (
            n['I0'], 1e3 * n['Rct'], pp['I0'], 1e3 * pp['Rct'], 1e3 * (n['Rct'] + pp['Rct'])),
        '   activation energy %.0f J/mol: the BPX reaction-rate activation energies (negative %.0f, positive %.0f)' % (
            q['Ea_ct'], n['Ea_ct'], pp['Ea_ct']),
        '   weighted by each electrode\'s share of that R_ct.',
        ' diffusion.time_s %.0f: R^2/D, searched within the BPX particles\' values (negative %.0f s = (4.8 um)^2/9.6e-15,' % (
            q['tdiff'], n['tdiff']),
        '   positive %.0f s = (0.5 um)^2/6.873e-17); activation energy %.0f J/mol interpolated (log t) between the' % (
            pp['tdiff'], q['Ea_d']),
        '   electrodes\' %.0f and %.0f J/mol.' % (n['Ea_d'], pp['Ea_d']),
        ' r0: R0 from the fit (pulse file: 19.3 mOhm at 2 ms, rate independent).',
        ' rc(SOC), rc_tau_s %.1f s: the slow polarisation, fitted with the OCV (NNLS, smooth, 2..500 mOhm).' % q['rc_tau'],
        ' ocv.average_V: fitted with the rest (discharge from full: h moves from +1 to -1 over',
        '   hysteresis_transition_soc; the OCV is read at the surface SOC), with a weak pull toward the BPX equilibrium',
        '   curve (SOC 0.1-0.9); strictly increasing. SOC 0 = 2.0 V (voltage_min_V, the cut-off of the tests); SOC 1 is',
        '   fitted: the rested full cell (avg + gap/2 = %.3f V; measured rests before the C/20 and C/2 tests 3.477 / 3.538 V).' % full,
        ' ocv.hysteresis_gap_mV: Sony US26650 full charge-discharge gap (HystV), interpolated (30 mV at SOC 0/1 is',
        '   a placeholder upstream).',
        ' ocv.entropic_mV_per_K: About:Energy BPX dOCV/dT (U_pos(T) table - U_neg(T) expression), interpolated.',
        ' resistance.activation_energy_J_per_mol 18000: Sony Rint Arrhenius fit (13-18 kJ/mol over SOC 0.2-0.9);',
        '   R(10 degC)/R(25 degC) = 1.469 (Sony measured ratio 1.40-1.60). No temperature data for this cell.',
        ' coulombic_efficiency 0.999, self_discharge 3 %/month: LFP typical values, not measured for this cell.',
        ' thermal: mass 0.033 kg = BPX density 1940 kg/m3 x volume 1.7e-5 m3; cp 999 J/kg/K (BPX, estimated by the',
        '   source); area 0.0042 m2 = 18650 can incl. both ends (BPX lists 0.00431 m2); h 15 W/m2K (SimSES default',
        '   for a cylindrical LFP cell) -> tau = m*cp/(h*A) ~ 523 s.',
        ' Reference data copies with their source/licence headers: model/cell_sets/reference/ (README.md there).',
    ]


# ----------------------------------------------------------------------------- 100 Ah set
OCV100_GRID = np.array([0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1] + [round(x, 3) for x in np.arange(0.15, 0.901, 0.05)]
                       + [0.925, 0.95, 0.97, 0.98, 0.99, 1.0])


def build_100ah(sony, bpx, apr, sony_ent, sony_rint, ae_cell):
    og = OCV100_GRID
    refs = [np.interp(og, sony['soc'], sony['ocv_mid_V']), np.interp(og, bpx['soc'], bpx['ocv_V']),
            np.interp(og, apr['soc'], apr['ocv_V'])]
    avg = np.mean(refs, axis=0)
    avg[0] = 2.5          # datasheet discharge cut-off (> 0 degC): rated capacity is counted down to it
    # SOC 1 keeps the mean of the references (rested full cell, FORMAT.md: about 3.5-3.6 V, below voltage_max_V)
    for i in range(1, len(avg)):                  # strictly increasing (no-op for these references)
        avg[i] = max(avg[i], avg[i - 1] + 1e-4)
    gap = np.interp(og, sony['soc'], sony['hyst_full_gap_mV'])
    ent = 0.5 * (np.interp(og, sony_ent['soc'], sony_ent['dOCVdT_mV_per_K']) + np.interp(og, bpx['soc'], bpx['dOCVdT_mV_per_K']))
    # resistance: SOC shape of the Sony 25 degC Rint (mean of charge and discharge, normalised at SOC 0.5)
    m25 = sony_rint['T_degC'] == 25
    rs = sony_rint['soc'][m25]
    rint = 0.5 * (sony_rint['R_charge_mOhm'][m25] + sony_rint['R_discharge_mOhm'][m25])
    shape = rint / np.interp(0.5, rs, rint)
    # magnitudes: the 2 Ah About:Energy fit scaled by one factor k = 0.35 mOhm / its R0 (about the 2/100 capacity
    # ratio x 0.9, which puts R0 at 0.35 mOhm inside the datasheet AC band 0.2-0.5 mOhm). Resistances scale by k,
    # the exchange current and the charge-transfer capacitance (both proportional to electrode area) by 1/k, so
    # every time constant is kept; the diffusion time is a property of the particles and is kept too.
    ae_r, ae_ct, ae_d = ae_cell['resistance'], ae_cell['charge_transfer'], ae_cell['diffusion']
    r0_ae = float(ae_r['r0_mohm'][0])
    k = 0.35 / r0_ae
    mid = (ae_r['soc'] >= 0.2) & (ae_r['soc'] <= 0.9)
    rc_ae_mid = float(np.median(ae_r['rc_mohm'][mid]))
    r0 = r0_ae * k * shape
    rc = rc_ae_mid * k * shape
    n = len(rs)
    t_rc = float(ae_r['rc_tau_s'][0])
    i0 = ae_ct['exchange_current_A'] / k
    cct = ae_ct['capacitance_F'] / k
    i5 = int(np.argmin(np.abs(rs - 0.5)))
    a25 = 2 * RGAS * 298.15 / F_CONST
    r10 = r0[i5] + a25 * math.asinh(100.0 / (2 * i0)) / 100.0 + rc[i5] * (1 - math.exp(-10 / t_rc))
    cell = dict(
        name='lfp_100ah_prismatic',
        description='Generic 100 Ah prismatic LFP|graphite cell (EVE LF105 class): chemistry-level OCV/hysteresis/entropy from public LFP data, resistances scaled from a 2 Ah cell',
        sources=[
            'Sony/Murata US26650FTC1 OCV, hysteresis, entropic coefficient, Rint(SOC,T): TUM EES data via github.com/martincornejo/simses-lite @ 19c45adf48db0770e6b41273776b509e9bc0bba6 (BSD-3-Clause)',
            'About:Energy LFP 18650 BPX parameter file (equilibrium OCV, dOCV/dT) and 25 degC C/20, C/2 discharges, github.com/About-Energy-OpenSource/About-Energy-BPX-Parameterisation @ 8efd45a7495ad8d3a4d72b547e657322a4baabd2 (CC BY-SA 4.0)',
            'LithiumWerks APR18650M1B C/32 pseudo-OCV, github.com/soorajsunil/Piecewise-Battery-OCV @ 2d7f7823b0be5999432aa1123ab383d1e7846a55 (MIT; Sunil, Pattipati, Balasingam, IEEE TIM 2025)',
            'Datasheets: Lishen LP54173207 202 Ah (3.65 V charge, 2.5 V cut-off > 0 degC), EVE LF105 (AC IR 0.20 +- 0.05 mOhm)',
            'assembly: tools/fit_cell_sets.py on model/cell_sets/reference/*.csv',
        ],
        licence='CC BY-SA 4.0 (the OCV average and resistances include About:Energy-derived numbers, (c) About:Energy Ltd; share-alike); Sony/TUM parts BSD-3-Clause (c) TUM EES; APR18650 curve MIT (c) S. Sunil et al.',
        capacity_Ah=100.0, coulombic_efficiency=0.999, self_discharge_pct_per_month=3.0,
        reference_temperature_degC=25.0, voltage_min_V=2.5, voltage_max_V=3.65,
        hysteresis_transition_soc=0.04,
        ocv=dict(soc=og, average_V=avg, hysteresis_gap_mV=gap, entropic_mV_per_K=ent),
        resistance=dict(soc=rs, r0_mohm=r0, rc_mohm=rc, rc_tau_s=np.full(n, t_rc), activation_energy_J_per_mol=18000.0),
        charge_transfer=dict(exchange_current_A=round(i0, 2), capacitance_F=round(cct, 1),
                             activation_energy_J_per_mol=ae_ct['activation_energy_J_per_mol']),
        diffusion=dict(time_s=ae_d['time_s'], activation_energy_J_per_mol=ae_d['activation_energy_J_per_mol']),
        thermal=dict(mass_kg=2.0, specific_heat_J_per_kgK=1000.0, surface_area_m2=0.075, convection_W_per_m2K=6.0),
    )
    hdr = [
        'bms-hil cell set: generic 100 Ah prismatic LFP|graphite cell (format: model/cell_sets/FORMAT.md).',
        'Generated by tools/fit_cell_sets.py from model/cell_sets/reference/*.csv -- edit the script, not this file.',
        'No public OCV/ECM/thermal data set of a 100 Ah-class prismatic LFP cell exists; chemistry-level curves are',
        'transferred from small LFP|graphite cells and absolute values scaled (reference README, "Scaling to a 100 Ah',
        'prismatic cell"). Expect +-10-20 mV cell-to-cell offsets on the plateau.',
        '',
        'LICENCE: CC BY-SA 4.0, because the OCV average and the resistance magnitudes include numbers derived from',
        'About:Energy Ltd data (About-Energy-OpenSource/About-Energy-BPX-Parameterisation, CC BY-SA 4.0; share-alike).',
        'Other sources: Sony/Murata US26650FTC1 tables of TUM EES via simses-lite (BSD-3-Clause, (c) TUM EES);',
        'LithiumWerks APR18650M1B C/32 curve from soorajsunil/Piecewise-Battery-OCV (MIT, Sunil, Pattipati, Balasingam,',
        'IEEE Trans. Instrum. Meas. 2025); Lishen LP54173207 and EVE LF105 datasheet numbers.',
        '',
        'HOW EACH NUMBER WAS DERIVED',
        ' ocv.average_V: mean of Sony US26650 ocv_mid_V, About:Energy BPX equilibrium ocv_V and APR18650M1B C/32 ocv_V,',
        '   each linearly interpolated on this SOC grid; SOC 0 set to 2.5 V (datasheet discharge cut-off > 0 degC, so',
        '   the rated 100 Ah is counted down to it), tail shape kept; SOC 1 = the mean of the references there (rested',
        '   full cell, %.3f V, below the 3.65 V charge cut-off voltage_max_V as FORMAT.md asks).' % avg[-1],
        ' ocv.hysteresis_gap_mV: Sony US26650 full charge-discharge gap (17-30 mV over SOC 0.1-0.9; 30 mV at SOC 0/1',
        '   is a placeholder upstream).',
        ' ocv.entropic_mV_per_K: mean of Sony US26650 (simses) and About:Energy BPX dOCV/dT (the two disagree by up',
        '   to 0.15 mV/K at mid SOC; the mean is within 0.08 mV/K of both there).',
        ' resistance: SOC shape = Sony 25 degC Rint (mean of charge and discharge) normalised at SOC 0.5. Magnitudes =',
        '   the About:Energy 2 Ah fit (lfp_2ah_aboutenergy_18650.yaml: R0 %.2f mOhm, median rc over SOC 0.2-0.9, rc tau)' % r0_ae,
        '   x k = 0.35/%.2f = %.4f (about the capacity ratio 2/100 x 0.9, putting R0 = 0.35 mOhm at SOC 0.5 inside the' % (r0_ae, k),
        '   datasheet AC band 0.2-0.5 mOhm); time constants kept (they do not scale with capacity).',
        ' charge_transfer: the 2 Ah exchange current and capacitance / k (both scale with electrode area): I0 %.1f A,' % i0,
        '   %.0f F; activation energy kept. diffusion: kept (a property of the particles, not of the cell size).' % cct,
        '   DC 10 s resistance at 100 A, SOC 0.5: R0 + a*asinh(I/2I0)/I + rc(1-e^-10/tau) = %.3f mOhm = %.2f x R0' % (r10, r10 / 0.35),
        '   (Sony Rint*Ah -> ~1.4 mOhm).',
        ' activation_energy_J_per_mol 18000: Sony Rint Arrhenius fit (13-18 kJ/mol over SOC 0.2-0.9);',
        '   R(10 degC)/R(25 degC) = exp(Ea/R*(1/283.15-1/298.15)) = 1.469 (Sony measured 1.40-1.60).',
        ' capacity 100 Ah; coulombic_efficiency 0.999; self_discharge 3 %/month (LFP typical 2-3 %/month);',
        '   voltage_min/max 2.5/3.65 V (datasheet); hysteresis_transition_soc 0.04 (LFP needs a few % SOC of throughput',
        '   to switch branches).',
        ' thermal: mass 2.0 kg (EVE LF105 class ~1.98 kg), cp 1000 J/kg/K (LFP cells 999-1115), area 0.075 m2,',
        '   still air h 6 W/m2K -> tau = m*cp/(h*A) = 4444 s = 1.23 h; m*cp = 2.0 kJ/K.',
        ' Reference data copies with their source/licence headers: model/cell_sets/reference/ (README.md there).',
    ]
    nd = {'ocv.soc': 3, 'ocv.average_V': 5, 'ocv.hysteresis_gap_mV': 2, 'ocv.entropic_mV_per_K': 4,
          'resistance.soc': 2, 'resistance.r0_mohm': 4, 'resistance.rc_mohm': 4, 'resistance.rc_tau_s': 1}
    return cell, hdr, nd


# ----------------------------------------------------------------------------- checks
class Checks:
    def __init__(self):
        self.n_fail = 0

    def __call__(self, name, value, ok, detail=''):
        if ok is None:
            tag = 'INFO'
        else:
            tag = 'PASS' if ok else 'FAIL'
            self.n_fail += 0 if ok else 1
        print('  [%s] %-58s %s%s' % (tag, name, value, ('   (' + detail + ')') if detail else ''))


def rms_max(x):
    return math.sqrt(float(np.mean(np.square(x)))), float(np.max(np.abs(x)))


def arr_ratio(Ea):
    return math.exp(Ea / RGAS * (1 / 283.15 - 1 / 298.15))


def check_2ah(path, D20, D2, sony, bpx, c20, pulse, bp, chk):
    c = read_yaml(path)
    o, r = c['ocv'], c['resistance']
    print('\n== %s' % os.path.relpath(path, ROOT))
    chk('average_V strictly increasing', 'min step %.2f mV' % (1e3 * np.diff(o['average_V']).min()), bool(np.all(np.diff(o['average_V']) > 0)))
    full = o['average_V'][-1] + o['hysteresis_gap_mV'][-1] / 2e3
    chk('average_V(0) = cut-off; rested full cell avg(1)+gap/2 below voltage_max_V',
        '%.4f V; %.4f V (%.4f + %.1f mV)' % (o['average_V'][0], full, o['average_V'][-1], o['hysteresis_gap_mV'][-1] / 2),
        o['average_V'][0] == c['voltage_min_V'] and 3.4 <= full < c['voltage_max_V'], 'measured rested full cell: 3.477 V (C/20 test), 3.538 V (C/2 test)')
    chk('OCV table points', '%d' % len(o['soc']), len(o['soc']) >= 60)
    ev = evaluate_2ah(c, D20, D2, pulse, dt20=5.0, dt2=5.0)
    for D in (D20, D2):
        lab = 'C/20' if D is D20 else 'C/2'
        e = ev[D['tag']]
        chk('%s (I=%.4f A) RMSE, first 95 %% of %.4f Ah' % (lab, D['Imean'], D['tot']),
            '%.2f mV (max %.1f mV)' % (1e3 * e['rmse'], 1e3 * e['max']), e['rmse'] <= LIMITS['rmse'],
            'limit %g mV; 5 s steps, self-heating to %.2f degC' % (1e3 * LIMITS['rmse'], e['Tmax']))
        chk('%s delivered capacity to 2.0 V' % lab, '%.4f Ah vs %.4f measured (%+.2f %%)' % (e['cap'], D['tot'], 100 * e['cap_err']),
            abs(e['cap_err']) <= LIMITS['cap'], 'limit +-%g %%' % (100 * LIMITS['cap']))
    for I_nom in (1.0, 2.0, 4.0):
        for tt, lim in ((0.002, LIMITS['r2ms']), (1.0, LIMITS['r1s'])):
            e = ev[(I_nom, tt)]
            chk('pulse %g A from rest at full charge: R_app(%g s)' % (I_nom, tt),
                '%.2f mOhm vs %.2f measured (%+.1f %%)' % (1e3 * e['model'], 1e3 * e['meas'], 100 * e['err']), abs(e['err']) <= lim,
                'limit +-%g %%' % (100 * lim))
    ct, dif = c['charge_transfer'], c['diffusion']
    n, pp = bp['negative'], bp['positive']
    i_lo, i_hi = min(n['I0'], pp['I0']) / 2, 2 * max(n['I0'], pp['I0'])
    chk('exchange current within the BPX electrodes\' range (x/2 .. x2)', '%.3f A in %.2f-%.2f A (R_ct %.1f mOhm; BPX series %.1f mOhm)' % (
        ct['exchange_current_A'], i_lo, i_hi, 1e3 * RGAS * 298.15 / (F_CONST * ct['exchange_current_A']), 1e3 * (n['Rct'] + pp['Rct'])),
        i_lo <= ct['exchange_current_A'] <= i_hi)
    t_lo, t_hi = min(n['tdiff'], pp['tdiff']) / 2, 2 * max(n['tdiff'], pp['tdiff'])
    chk('diffusion time within the BPX particles\' R^2/D range (x/2 .. x2)', '%.0f s in %.0f-%.0f s (negative %.0f s, positive %.0f s)' % (
        dif['time_s'], t_lo, t_hi, n['tdiff'], pp['tdiff']), t_lo <= dif['time_s'] <= t_hi)
    m = Cell(c)
    for I in (-0.1, -1.0, -2.0, -4.0):
        a, I0 = m.ct_params(T_REF_C)
        chk('   steady charge-transfer overpotential at %g A' % I, '%.1f mV (%.1f mOhm)' % (
            1e3 * a * math.asinh(I / (2 * I0)), 1e3 * a * math.asinh(I / (2 * I0)) / I), None)
        chk('   steady surface-SOC offset at %g A' % I, '%.4f' % (dif['time_s'] / 15 * I / (3600 * c['capacity_Ah'])), None)
    # OCV vs BPX equilibrium and vs the C/20 discharge curve
    msk = (bpx['soc'] >= 0.1 - 1e-9) & (bpx['soc'] <= 0.9 + 1e-9)
    d = np.interp(bpx['soc'][msk], o['soc'], o['average_V']) - bpx['ocv_V'][msk]
    rr, mx = rms_max(1e3 * d)
    chk('average_V vs About:Energy BPX equilibrium OCV, SOC 0.1-0.9', 'RMS %.1f mV, max %.1f mV, mean %+.1f mV' % (rr, mx, 1e3 * d.mean()),
        rr <= 10.0, 'target ~10 mV RMS (README: <=10 RMS, <=20 max)')
    g = o['hysteresis_gap_mV'][(o['soc'] >= 0.2) & (o['soc'] <= 0.9)]
    chk('hysteresis gap SOC 0.2-0.9', '%.1f-%.1f mV' % (g.min(), g.max()), 15 <= g.min() and g.max() <= 30)
    en = o['entropic_mV_per_K']
    chk('|dOCV/dT| max', '%.3f mV/K' % np.abs(en).max(), np.abs(en).max() <= 0.5)
    chk('dOCV/dT < 0 for SOC <= 0.25', 'max %.3f mV/K' % en[o['soc'] <= 0.25].max(), bool(np.all(en[o['soc'] <= 0.25] < 0)))
    ra = arr_ratio(r['activation_energy_J_per_mol'])
    chk('R(10 degC)/R(25 degC)', '%.3f (Ea %.0f J/mol)' % (ra, r['activation_energy_J_per_mol']), 1.40 <= ra <= 1.60)
    th = c['thermal']
    tau = th['mass_kg'] * th['specific_heat_J_per_kgK'] / (th['convection_W_per_m2K'] * th['surface_area_m2'])
    chk('thermal m*cp, tau = m*cp/(h*A)', '%.1f J/K, %.0f s' % (th['mass_kg'] * th['specific_heat_J_per_kgK'], tau), None)
    chk('rc(SOC) range', '%.1f-%.1f mOhm (tau %.0f s)' % (r['rc_mohm'].min(), r['rc_mohm'].max(), r['rc_tau_s'][0]), None)
    return c


def check_100ah(path, sony, bpx, apr, sony_ent, ae_c, chk):
    c = read_yaml(path)
    cell = Cell(c)
    o, r = c['ocv'], c['resistance']
    print('\n== %s' % os.path.relpath(path, ROOT))
    a = o['average_V']
    chk('average_V strictly increasing, ends %.3f / %.4f V' % (a[0], a[-1]), 'min step %.2f mV' % (1e3 * np.diff(a).min()),
        bool(np.all(np.diff(a) > 0)) and a[0] == 2.5 and 3.5 <= a[-1] < 3.65 and c['voltage_min_V'] == 2.5 and c['voltage_max_V'] == 3.65,
        'SOC 0 = 2.5 V cut-off; SOC 1 = rested full cell 3.5-3.6 V (FORMAT.md); limits 2.5 / 3.65 V')
    s = np.round(np.arange(0.1, 0.9001, 0.005), 4)
    A = np.interp(s, o['soc'], a)
    for lab, rs, rv in (('Sony US26650 ocv_mid', sony['soc'], sony['ocv_mid_V']), ('About:Energy BPX ocv', bpx['soc'], bpx['ocv_V']),
                        ('APR18650M1B C/32', apr['soc'], apr['ocv_V'])):
        rr, mx = rms_max(1e3 * (A - np.interp(s, rs, rv)))
        chk('OCV vs %s, SOC 0.1-0.9 (step 0.005)' % lab, 'RMS %.1f mV, max %.1f mV' % (rr, mx), rr <= 20 and mx <= 30, 'limits 20 / 30 mV')
    pl = np.interp(np.arange(0.3, 0.9001, 0.01), o['soc'], a)
    chk('plateau SOC 0.3-0.9 inside 3.26-3.35 V', '%.4f-%.4f V' % (pl.min(), pl.max()), pl.min() >= 3.26 and pl.max() <= 3.35)
    st = np.interp(np.arange(0.3, 0.5001, 0.01), o['soc'], a)
    chk('OCV at SOC 0.3-0.5 inside 3.26-3.31 V', '%.4f-%.4f V' % (st.min(), st.max()), st.min() >= 3.26 and st.max() <= 3.31,
        'Lishen storage window 3.275-3.304 V')
    g = o['hysteresis_gap_mV'][(o['soc'] >= 0.2) & (o['soc'] <= 0.9)]
    chk('hysteresis gap SOC 0.2-0.9', '%.1f-%.1f mV' % (g.min(), g.max()), 15 <= g.min() and g.max() <= 30)
    sb = np.round(np.arange(0.2, 0.9001, 0.005), 4)
    for lab, col, sg in (('charge', 'ocv_charge_V', 1), ('discharge', 'ocv_discharge_V', -1)):
        br = np.interp(sb, o['soc'], a + sg * o['hysteresis_gap_mV'] / 2e3) - np.interp(sb, sony['soc'], sony[col])
        br -= br.mean()
        chk('%s branch vs Sony %s branch, SOC 0.2-0.9, mean removed' % (lab, lab), 'RMS %.1f mV, max %.1f mV' % rms_max(1e3 * br),
            np.abs(br).max() <= 0.010, 'limit 10 mV')
    en = o['entropic_mV_per_K']
    chk('|dOCV/dT| max', '%.3f mV/K' % np.abs(en).max(), np.abs(en).max() <= 0.5)
    chk('dOCV/dT < 0 for SOC <= 0.25', 'max %.3f mV/K' % en[o['soc'] <= 0.25].max(), bool(np.all(en[o['soc'] <= 0.25] < 0)))
    sm = np.round(np.arange(0.3, 0.7001, 0.05), 3)
    e_m = np.interp(sm, o['soc'], en)
    d1 = np.abs(e_m - np.interp(sm, sony_ent['soc'], sony_ent['dOCVdT_mV_per_K'])).max()
    d2 = np.abs(e_m - np.interp(sm, bpx['soc'], bpx['dOCVdT_mV_per_K'])).max()
    chk('dOCV/dT vs Sony / BPX at SOC 0.3-0.7 (max |diff|)', '%.3f / %.3f mV/K' % (d1, d2), d1 <= 0.15 and d2 <= 0.15)
    r0m = float(np.interp(0.5, r['soc'], r['r0_mohm']))
    chk('R0 at SOC 0.5; range over SOC', '%.4f mOhm; %.4f-%.4f' % (r0m, r['r0_mohm'].min(), r['r0_mohm'].max()),
        0.2 <= r['r0_mohm'].min() and r['r0_mohm'].max() <= 0.5, 'datasheet AC band 0.2-0.5 mOhm')
    # consistent scaling: at the same C-rate the 100 Ah cell's apparent resistance is the 2 Ah cell's x k at every
    # time scale (R0, rc and the charge transfer all scale by k, time constants and the diffusion state are kept); the
    # Sony SOC shape of R0 and rc moves it by a few per cent away from SOC 0.5
    ae = Cell(ae_c)
    k = float(np.interp(0.5, r['soc'], r['r0_mohm'])) / float(ae_c['resistance']['r0_mohm'][0])
    for soc0 in (0.2, 0.5, 0.8):
        vals = []
        for tt in (0.002, 1.0, 10.0):
            rb = cell.pulse_rapp(-100.0, soc0, -1.0, times=(tt,))[tt]
            rs_ = ae.pulse_rapp(-ae_c['capacity_Ah'], soc0, -1.0, times=(tt,))[tt]
            vals.append((1e3 * rb, rb / (rs_ * k)))
        chk('1C step at SOC %.1f: R_app(2 ms, 1 s, 10 s) of 100 Ah / (2 Ah x k)' % soc0,
            ', '.join('%.3f mOhm: %.3f' % x for x in vals), all(abs(x[1] - 1) <= 0.10 for x in vals),
            'k = %.5f; limit +-10 %%; DC 10 s = %.2f x R0' % (k, vals[2][0] / float(np.interp(soc0, r['soc'], r['r0_mohm']))))
    ct = c['charge_transfer']
    chk('charge transfer scaled from the 2 Ah set', 'I0 %.1f A, C %.0f F, tau at rest %.2f s; diffusion %.0f s' % (
        ct['exchange_current_A'], ct['capacitance_F'], RGAS * 298.15 / (F_CONST * ct['exchange_current_A']) * ct['capacitance_F'],
        c['diffusion']['time_s']), None)
    t, ah, v, _ = cell.run(-100.0, 1.0, t_end=10.0, soc0=0.5, h0=-1.0)
    chk('simulated 100 A step at SOC 0.5 (h=-1): (V_rest-V(10 s))/I', '%.3f mOhm' % (1e3 * (v[0] - v[-1]) / 100), None)
    ra = arr_ratio(r['activation_energy_J_per_mol'])
    chk('R(10 degC)/R(25 degC)', '%.3f (Ea %.0f J/mol)' % (ra, r['activation_energy_J_per_mol']), 1.40 <= ra <= 1.60)
    th = c['thermal']
    mcp = th['mass_kg'] * th['specific_heat_J_per_kgK']
    tau = mcp / (th['convection_W_per_m2K'] * th['surface_area_m2'])
    chk('thermal tau = m*cp/(h*A)', '%.0f s = %.2f h (m*cp %.0f J/K)' % (tau, tau / 3600, mcp), 0.8 <= tau / 3600 <= 1.6)
    chk('hysteresis_transition_soc', '%.3f' % c['hysteresis_transition_soc'], 0.03 <= c['hysteresis_transition_soc'] <= 0.05)
    for I, lab in ((-5.0, 'C/20'), (-100.0, '1C')):
        t, ah, v, cap = cell.run(I, 10.0 if I == -5.0 else 1.0, v_cut=2.5)
        m = ah > 0
        chk('%s discharge to 2.5 V from full (forward sim)' % lab, '%.2f Ah, mean %.4f V' % (cap, float(np.mean(v[m]))), None)
    return c


def main():
    sony = read_csv('ocv_hysteresis_lfp26650_sony_simses.csv')
    bpx = read_csv('ocv_lfp18650_aboutenergy_bpx_computed.csv')
    apr = read_csv('ocv_lfp18650_apr18650m1b_pseudo_c32.csv')
    c20 = read_csv('ocv_lfp18650_aboutenergy_c20_discharge_measured.csv')
    sony_ent = read_csv('entropic_coeff_lfp26650_sony_simses.csv')
    pulse = read_csv('pulse_resistance_lfp18650_aboutenergy_derived.csv')
    # Sony Rint(SOC, T): the Arrhenius file holds the 10/25/40 degC values per SOC and direction
    arr = read_csv('rint_arrhenius_fit_lfp26650_sony_derived.csv')
    socs = np.unique(arr['soc'])
    sony_rint = dict(soc=socs, T_degC=np.full(len(socs), 25.0),
                     R_charge_mOhm=np.array([arr['R_25C_mOhm'][(arr['soc'] == s) & (arr['direction'] == 'charge')][0] for s in socs]),
                     R_discharge_mOhm=np.array([arr['R_25C_mOhm'][(arr['soc'] == s) & (arr['direction'] == 'discharge')][0] for s in socs]))
    D20, D2 = read_timeseries('Co20'), read_timeseries('Co2')

    p2 = os.path.join(OUT, 'lfp_2ah_aboutenergy_18650.yaml')
    with open(os.path.join(REF, 'bpx_lfp18650_aboutenergy.json')) as f:
        bpx_json = json.load(f)
    cell2, hdr2, nd2 = build_2ah(D20, D2, sony, bpx, pulse, bpx_json)
    write_yaml(p2, hdr2, cell2, nd2)
    ae = read_yaml(p2)
    p100 = os.path.join(OUT, 'lfp_100ah_prismatic.yaml')
    cell100, hdr100, nd100 = build_100ah(sony, bpx, apr, sony_ent, sony_rint, ae)
    write_yaml(p100, hdr100, cell100, nd100)
    print('wrote %s\nwrote %s' % (os.path.relpath(p2, ROOT), os.path.relpath(p100, ROOT)))

    chk = Checks()
    check_2ah(p2, D20, D2, sony, bpx, c20, pulse, bpx_params(bpx_json), chk)
    check_100ah(p100, sony, bpx, apr, sony_ent, read_yaml(p2), chk)
    print('\n%d check(s) failed' % chk.n_fail if chk.n_fail else '\nall checks passed')
    return 1 if chk.n_fail else 0


if __name__ == '__main__':
    sys.exit(main())
