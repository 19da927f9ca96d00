"""Tests of tools/mutate.py that build nothing: mutant generation, ids, sampling,
applying and reverting, the report's arithmetic, resuming. Run with
`PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/tools/test_mutate.py`
(ctest -L tools does exactly that)."""

import collections
import importlib.util
import json
import sys
from pathlib import Path

import pytest

sys.dont_write_bytecode = True  # no __pycache__ in tools/
REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("mutate", REPO / "tools" / "mutate.py")
mutate = importlib.util.module_from_spec(_spec)
sys.modules["mutate"] = mutate
_spec.loader.exec_module(mutate)

pytestmark = pytest.mark.filterwarnings("error")

SNIPPET = r"""#include <stdint.h>
#include "params.h"
#define LIMIT(a) ((a) < 10 ? 1 : 2)
/* if (a < b) { x = 1; } */
static const int table[3] = {4, 5};
static int f(int *p, const bms_config *cfg, int a)
{
    const char *s = "a < b; if (x == 1)";
    char c = '<';
    int n = 1 << 3; // a > b
    if (a < 2) {
        *p = bms_cfg_param(cfg, 87);
    }
    while (a >= 0)
        a -= 1;
    n += a == 0 ? 7 : 8;
    f(p->q, cfg, a);
    return n;
}
"""

# (id, original text, replacement) of every mutant of SNIPPET, worked out by hand.
EXPECTED = {
    "rel": {
        ("core/snippet.c:11:11:rel:>=", "<", ">="),
        ("core/snippet.c:11:11:rel:<=", "<", "<="),
        ("core/snippet.c:14:14:rel:<", ">=", "<"),
        ("core/snippet.c:14:14:rel:>", ">=", ">"),
        ("core/snippet.c:16:12:rel:!=", "==", "!="),
    },
    "const": {
        ("core/snippet.c:5:30:const:5", "4", "5"),  # not the array size 3
        ("core/snippet.c:5:30:const:3", "4", "3"),
        ("core/snippet.c:5:33:const:6", "5", "6"),
        ("core/snippet.c:5:33:const:4", "5", "4"),
        ("core/snippet.c:10:13:const:2", "1", "2"),  # 1 << 3: both operands, never <<
        ("core/snippet.c:10:13:const:0", "1", "0"),
        ("core/snippet.c:10:18:const:4", "3", "4"),
        ("core/snippet.c:10:18:const:2", "3", "2"),
        ("core/snippet.c:11:13:const:3", "2", "3"),
        ("core/snippet.c:11:13:const:1", "2", "1"),
        ("core/snippet.c:14:17:const:1", "0", "1"),
        ("core/snippet.c:14:17:const:(-1)", "0", "(-1)"),
        ("core/snippet.c:15:14:const:2", "1", "2"),
        ("core/snippet.c:15:14:const:0", "1", "0"),
        ("core/snippet.c:16:15:const:1", "0", "1"),
        ("core/snippet.c:16:15:const:(-1)", "0", "(-1)"),
        ("core/snippet.c:16:19:const:8", "7", "8"),
        ("core/snippet.c:16:19:const:6", "7", "6"),
        ("core/snippet.c:16:23:const:9", "8", "9"),
        ("core/snippet.c:16:23:const:7", "8", "7"),
    },
    "swap": {
        ("core/snippet.c:12:33:swap:86", "87", "86"),  # 88 is past the last parameter
    },
    "neg": {
        ("core/snippet.c:11:9:neg:!if", "a < 2", "!(a < 2)"),
        ("core/snippet.c:14:12:neg:!while", "a >= 0", "!(a >= 0)"),
        ("core/snippet.c:16:10:neg:!?:", "a == 0", "!(a == 0)"),
    },
    "del": {
        ("core/snippet.c:12:9:del:removed", "*p = bms_cfg_param(cfg, 87);", ""),
        ("core/snippet.c:16:5:del:removed", "n += a == 0 ? 7 : 8;", ""),
        ("core/snippet.c:17:5:del:removed", "f(p->q, cfg, a);", ""),
        # not: the declarations, `a -= 1;` (the un-braced body of the while), return
    },
}


def snippet_mutants(text=SNIPPET):
    return mutate.generate("core/snippet.c", text, mutate.DEFAULT_ACCESSORS)


def test_each_operator_gives_exactly_the_expected_mutants():
    ms = snippet_mutants()
    for op, expected in EXPECTED.items():
        got = {(m.id, m.original, m.new) for m in ms if m.op == op}
        assert got == expected, op
    assert collections.Counter(m.op for m in ms) == {op: len(e) for op, e in EXPECTED.items()}


def test_comments_strings_chars_and_preprocessor_lines_are_untouched():
    ms = snippet_mutants()
    lines = SNIPPET.splitlines()
    for m in ms:
        assert not lines[m.line - 1].lstrip().startswith("#")  # #include <...>, #define
        assert m.line != 4  # the comment
    for m in ms:
        assert not (m.line == 8 or m.line == 9)  # "a < b; if (x == 1)" and '<'
        assert not (m.line == 10 and m.original in (">", "<<"))  # // a > b, 1 << 3


def test_shift_and_arrow_are_not_relational():
    text = "int g(struct s *p, int x)\n{\n    x <<= 1;\n    x = p->v >> 2 >= x << 1;\n    return x->y;\n}\n"
    rels = [m for m in mutate.generate("core/t.c", text) if m.op == "rel"]
    assert [(m.line, m.col, m.original) for m in rels] == [(4, 19, ">="), (4, 19, ">=")]
    assert sorted(m.new for m in rels) == ["<", ">"]


def test_switch_accessors_stay_in_range_and_nested_first_arguments():
    text = ("void h(bms_ctx *ctx, bms_config *cfg)\n{\n    bms_cfg_set_switch(cfg, 64, 1);\n"
            "    ctx->x = SW(ctx, 1) + P(f(a, b), 40);\n}\n")
    swaps = sorted((m.line, m.original, m.new) for m in mutate.generate("core/t.c", text) if m.op == "swap")
    assert swaps == [(3, "64", "63"), (4, "1", "2"), (4, "40", "39"), (4, "40", "41")]


def test_constants_keep_base_and_suffix():
    assert mutate._nudges("0xFFu") == ["0x100u", "0xFEu"]
    assert mutate._nudges("0x0f") == ["0x10", "0x0e"]
    assert mutate._nudges("1000") == ["1001", "999"]
    assert mutate._nudges("0u") == ["1u"]  # no negative unsigned constant
    assert mutate._nudges("010") == ["011", "07"]
    assert mutate._nudges("1.5") == []


def test_accessors_are_read_from_the_firmware_headers():
    acc = mutate.read_accessors(REPO / "firmware_under_test" / "core")
    assert acc == mutate.DEFAULT_ACCESSORS


def test_ids_are_stable_across_runs_and_edits_further_down(tmp_path):
    path = tmp_path / "snippet.c"
    path.write_text(SNIPPET)
    first = [m.id for m in snippet_mutants(path.read_text())]
    second = [m.id for m in snippet_mutants(path.read_text())]
    assert first == second
    assert len(set(first)) == len(first)
    edited = SNIPPET.replace("    return n;", "    n = n * 3;\n    return n;")
    before = [i for i in first if int(i.split(":")[1]) < 18]
    assert [m.id for m in snippet_mutants(edited) if m.line < 18] == before


def test_sample_is_reproducible_for_a_seed():
    ms = snippet_mutants()
    a = mutate.select(ms, sample=5, seed=1)
    b = mutate.select(ms, sample=5, seed=1)
    c = mutate.select(ms, sample=5, seed=2)
    assert [m.id for m in a] == [m.id for m in b] and len(a) == 5
    assert [m.id for m in a] != [m.id for m in c]
    assert len({m.id for m in a}) == 5 and all(m in ms for m in a)  # distinct, in the order drawn
    only = mutate.select(ms, only=r":1[46]:", operators=["rel"])
    assert {m.id for m in only} == {i for i, _, _ in EXPECTED["rel"] if ":11:" not in i}


def test_apply_and_revert_give_the_original_bytes(tmp_path):
    original = SNIPPET.encode().replace(b"/* if", b"/* \xb5 if")  # not UTF-8 either
    path = tmp_path / "snippet.c"
    path.write_bytes(original)
    ms = snippet_mutants(original.decode("utf-8", "surrogateescape"))
    for m in ms:
        with mutate.mutated(path, original, m):
            data = path.read_bytes()
            assert data != original
            assert data.replace(m.new.encode(), b"", 1) != data or m.new == ""
        assert path.read_bytes() == original
    with pytest.raises(KeyboardInterrupt):
        with mutate.mutated(path, original, ms[0]):
            raise KeyboardInterrupt  # Ctrl-C while a mutant is in place
    assert path.read_bytes() == original
    with pytest.raises(ValueError):
        ms[0].apply(SNIPPET.replace("{4, 5}", "{9, 9}"))  # a stale id is refused


def _record(ident, status, unit=None, op="rel", file="core/a.c"):
    return {"id": ident, "status": status, "file": file, "line": 1, "col": 1, "operator": op,
            "description": f"desc of {ident}", "failed": ["generated/p001.delay"] if status == "killed" else [],
            "unit": unit, "src_sha256": "x"}


def test_report_arithmetic(tmp_path):
    recs = [_record(f"k{i}", "killed", {"status": "killed"}) for i in range(6)]
    recs += [_record("t0", "timeout", {"status": "survived"})]
    recs += [_record("s0", "survived", {"status": "killed"}), _record("s1", "survived", {"status": "survived"}),
             _record("e0", "survived", {"status": "survived"}, op="const")]
    recs += [_record("b0", "stillborn", op="del"), _record("b1", "stillborn", op="del")]
    results = tmp_path / "r.jsonl"
    for r in recs:
        mutate.append_result(results, r)
    equivalent = tmp_path / "equivalent.json"
    equivalent.write_text(json.dumps([{"id": "e0", "reason": "the value is never read"}]))
    s = mutate.summarize(mutate.load_results(results), mutate.load_equivalent(equivalent))
    assert (s["mutants"], s["killed"], s["timeout"], s["survived"], s["stillborn"], s["equivalent"]) == \
        (12, 6, 1, 3, 2, 1)
    assert s["scored"] == 9 and s["detected"] == 7  # stillborn and equivalent are outside
    assert s["kill_rate"] == pytest.approx(7 / 9)
    assert (s["unit_scored"], s["unit_detected"], s["unit_only"]) == (9, 7, 1)
    text = mutate.report(mutate.load_results(results), mutate.load_equivalent(equivalent))
    assert "kill rate:  77.8 % (7 of 9" in text
    assert "survivors (3):" in text
    assert text.count("reason: no reason recorded yet") == 2
    assert "equivalent: the value is never read" in text
    # the command line reads the same files
    assert mutate.main(["--report", "--results", str(results), "--equivalent", str(equivalent)]) == 0


BOARD_SOURCE = r"""
static int helper(int a) { return a + 1; }
static int only_for_describe(int a) { return a < 3 ? 1 : 2; }
static int (*const handlers[])(int) = {helper};
int board_step(int a) { return helper(a); }
int describe(int a) { return only_for_describe(a) + helper(a) + 2; }
static int unused(int a) { return a; }
"""

# The shape of a GNU ld map: describe's section discarded, board_step's kept,
# the static helpers inlined (no section of their own).
BOARD_MAP = """Archive member included to satisfy reference by file (symbol)

Discarded input sections

 .text.describe
                0x00000000       0x20 x.c.obj

Memory Configuration

Name             Origin             Length
Linker script and memory map

 .text.board_step
                0x08000100       0x10 x.c.obj
"""


def test_code_the_board_image_leaves_out_is_off_the_board(tmp_path):
    names = [f.name for f in mutate.functions_of(BOARD_SOURCE)]
    assert names == ["helper", "only_for_describe", "board_step", "describe", "unused"]
    assert mutate.board_sections(BOARD_MAP) == ({"board_step"}, {"describe"})
    # describe is discarded; the static function only it calls goes with it; helper is
    # also called by board_step (and named in a table); unused is named by nobody: on
    off = mutate.off_board_functions({"core/x.c": BOARD_SOURCE}, BOARD_MAP)
    assert off == {"core/x.c": {"describe", "only_for_describe"}}
    mutants = mutate.generate("core/x.c", BOARD_SOURCE)
    ids = mutate.off_board_ids(mutants, {"core/x.c": BOARD_SOURCE.encode()}, BOARD_MAP)
    # (line 3 is only_for_describe, line 6 describe)
    assert {m.line for m in mutants if m.id in ids} == {3, 6}
    assert all(m.id in ids for m in mutants if m.line in (3, 6))
    assert mutate.off_board_ids(mutants, {"core/x.c": BOARD_SOURCE.encode()}, None) == {}
    # Off the board is outside the rate, even for a record made before the map was known
    recs = {"a": _record("a", "killed"), "b": _record("b", "survived"), "c": _record("c", "survived")}
    s = mutate.summarize(recs, {}, {"c": "describe"})
    assert (s["off_board"], s["scored"], s["detected"]) == (1, 2, 1)
    assert "off board:  1 (in code the Cortex-M4 image leaves out: describe" in mutate.report(recs, {}, None, {"c": "describe"})


def test_the_bundled_register_description_is_off_the_board():
    """Against the real firmware and a real link, when the Cortex-M4 build is there."""
    board_map = REPO / "build" / "cortex-m4" / "bms_firmware.map"
    if not board_map.exists():
        pytest.skip("no Cortex-M4 build (firmware_under_test/port/cortex_m4/build.sh)")
    sources = mutate.read_sources(REPO / "firmware_under_test")
    texts = {k: v.decode() for k, v in sources.items()}
    off = mutate.off_board_functions(texts, board_map.read_text())
    assert off == {"core/regmap.c": {"bms_regmap_describe", "fill"}}


def test_survivors_the_manual_leaves_open_stay_survivors_but_are_set_aside(tmp_path):
    recs = {i: _record(i, "killed") for i in ("k0", "k1", "k2", "k3")}
    recs.update({i: _record(i, "survived") for i in ("e0", "u0", "o0", "s0")})
    marks = tmp_path / "equivalent.json"
    marks.write_text(json.dumps([
        {"id": "e0", "reason": "never read"},
        {"id": "u0", "kind": "unspecified", "reason": "the manual is silent"},
        {"id": "o0", "kind": "unobservable", "reason": "1 mV behind the AFE"},
    ]))
    equivalent, aside = mutate.load_equivalent(marks), mutate.load_unspecified(marks)
    assert set(equivalent) == {"e0"} and set(aside) == {"u0", "o0"}
    s = mutate.summarize(recs, equivalent, None, aside)
    assert (s["scored"], s["detected"], s["unspecified"]) == (7, 4, 2)
    assert s["kill_rate"] == pytest.approx(4 / 7)  # the strict figure keeps them as survivors
    assert s["kill_rate_specified"] == pytest.approx(4 / 5)
    text = mutate.report(recs, equivalent, None, None, aside)
    assert "kill rate:  57.1 % (4 of 7" in text and "80.0 % of the 5 left" in text
    assert "set aside (counted as a survivor): unspecified: the manual is silent" in text
    assert "set aside (counted as a survivor): below resolution: 1 mV behind the AFE" in text
    assert "reason: no reason recorded yet" in text  # s0
    marks.write_text(json.dumps([{"id": "x", "kind": "maybe"}]))
    with pytest.raises(SystemExit, match="kind 'maybe'"):
        mutate.load_equivalent(marks)


def test_the_equivalent_list_in_the_repository_is_valid():
    marks = REPO / "tools" / "mutation" / "equivalent.json"
    assert isinstance(mutate.load_equivalent(marks), dict)
    # Every entry still names a mutant of the firmware as it is (ids carry
    # line and column: an edit above them moves them).
    ids = {m.id for m in mutate.firmware_mutants(REPO / "firmware_under_test")}
    entries = json.loads(marks.read_text())
    stale = [e["id"] for e in entries if e["id"] not in ids]
    assert stale == []
    assert len({e["id"] for e in entries}) == len(entries), "an id listed twice"


def test_a_rig_that_cannot_judge_is_no_kill(tmp_path):
    # bmshil exiting 2 (bad input, e.g. a scenario being edited) says nothing of
    # the mutant: status error, outside the rate, run again on resume.
    recs = [_record("k0", "killed"), _record("s0", "survived"), _record("x0", "error")]
    results = tmp_path / "r.jsonl"
    for r in recs:
        mutate.append_result(results, r)
    s = mutate.summarize(mutate.load_results(results), {})
    assert (s["killed"], s["survived"], s["error"], s["scored"]) == (1, 1, 1, 2)
    assert s["kill_rate"] == pytest.approx(0.5)
    assert "error:      1" in mutate.report(mutate.load_results(results), {})


def test_resuming_skips_recorded_ids_and_survives_an_interrupt(tmp_path, capsys):
    ms = snippet_mutants()[:6]
    results = tmp_path / "results.jsonl"
    seen = []

    def evaluate(m):
        if len(seen) == 3:
            raise KeyboardInterrupt
        seen.append(m.id)
        return mutate.record_of(m, "killed", failed=["x"], wall_s=0.1)

    with pytest.raises(KeyboardInterrupt):
        mutate.run_loop(ms, results, evaluate)
    assert [json.loads(line)["id"] for line in results.read_text().splitlines()] == seen
    with open(results, "a") as f:
        f.write('{"id": "half a li')  # a run killed while writing
    again = []

    def evaluate2(m):
        again.append(m.id)
        return mutate.record_of(m, "survived", wall_s=0.1)

    assert mutate.run_loop(ms, results, evaluate2) == 3
    assert again == [m.id for m in ms[3:]]
    assert set(mutate.load_results(results)) == {m.id for m in ms}
    assert mutate.run_loop(ms, results, evaluate2) == 0  # all recorded: nothing to do
    out = capsys.readouterr()
    assert "killed    core/snippet.c" in out.out and "not a result record" in out.err
    # a record made on another version of the file is run again
    changed = snippet_mutants(SNIPPET + "\n")[:1]
    assert mutate.pending(changed, mutate.load_results(results)) == changed


def test_the_real_firmware_has_mutants_of_every_operator(capsys):
    ms = mutate.firmware_mutants(REPO / "firmware_under_test")
    counts = collections.Counter(m.op for m in ms)
    for op in mutate.OPERATORS:
        assert counts[op] > 0, op
    assert len({m.id for m in ms}) == len(ms)
    sources = mutate.read_sources(REPO / "firmware_under_test")
    for m in ms:
        text = sources[m.file].decode("utf-8", "surrogateescape")
        assert text[m.start:m.end] == m.original
        assert not text.splitlines()[m.line - 1].lstrip().startswith("#")
    assert mutate.main(["--list", "--operators", "swap", "--only", "protection_voltage"]) == 0
    out = capsys.readouterr().out
    # Where the source first names parameter #1 ("P(ctx, 1)"), 1-based line and column of the number.
    text = sources["core/protection_voltage.c"].decode("utf-8")
    at = text.index("P(ctx, 1)") + len("P(ctx, ")
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    assert f"core/protection_voltage.c:{line}:{col}:swap:2\tparameter #1 -> parameter #2" in out
    assert "total" in out.splitlines()[-1]
