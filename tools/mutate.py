#!/usr/bin/python3
"""Mutation testing of the bundled firmware against the rig's suite.

Derives mutants of firmware_under_test/core/*.c mechanically (five operators on the C
source text, comments, string / char literals and preprocessor lines left alone),
builds each one as the firmware shared library, runs `bmshil suite` against it and
records, one JSON line per mutant, whether the suite noticed. See
tools/mutation/README.md.

    /usr/bin/python3 tools/mutate.py --list                   # every mutant, counts
    /usr/bin/python3 tools/mutate.py --sample 5 --seed 1      # run a reproducible sample
    /usr/bin/python3 tools/mutate.py --report                 # kill rate and survivors

Design: the repository is never written to. The firmware sources (with the rig's
board_contract.h and the firmware's unit tests) are copied once per run into a
scratch tree under the build dir (default build/mutants/, ignored by git) next to a
small CMake project that adds firmware_under_test/ the way the top-level
CMakeLists.txt does; it is configured once, and per mutant only the mutated file is
rewritten there, so the incremental build is one object file and a link. Standard
library only (no PyPI).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import dataclasses
import datetime
import fcntl
import hashlib
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OPERATORS = ("rel", "const", "swap", "neg", "del")
OPERATOR_TEXT = {
    "rel": "relational operator flipped or made (non-)strict",
    "const": "integer constant nudged by one",
    "swap": "parameter / switch number swapped with its neighbour",
    "neg": "condition negated (if, while, ?:)",
    "del": "statement removed",
}

# ---------------------------------------------------------------------------------
# Tokens

_PUNCTUATORS = sorted(
    """... <<= >>= -> ++ -- << >> <= >= == != && || *= /= %= += -= &= ^= |= ##
    [ ] ( ) { } . & * + - ~ ! / % < > ^ | ? : ; = , #""".split(),
    key=len,
    reverse=True,
)
_PP_NUMBER = re.compile(r"\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str  # id, num, str, chr, punct
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """C tokens of `text`; comments, whitespace and preprocessor lines (with their
    backslash continuations) produce none. String and char literals are single
    tokens, so nothing inside them is ever mutated."""
    toks: list[Token] = []
    i, n = 0, len(text)
    line_start = True  # nothing but whitespace (or comments) since the last newline
    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
        elif c in " \t\r\f\v":
            i += 1
        elif c == "\\" and text.startswith("\n", i + 1):
            i += 2
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == "#" and line_start:
            i = _skip_directive(text, i)
        elif c in "\"'":
            j = _skip_literal(text, i)
            toks.append(Token("str" if c == '"' else "chr", text[i:j], i, j))
            i = j
            line_start = False
        elif c.isalpha() or c == "_":
            j = _IDENT.match(text, i).end()
            if text[i:j] in ("L", "u", "U", "u8") and j < n and text[j] in "\"'":
                k = _skip_literal(text, j)
                toks.append(Token("str" if text[j] == '"' else "chr", text[i:k], i, k))
                j = k
            else:
                toks.append(Token("id", text[i:j], i, j))
            i = j
            line_start = False
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = _PP_NUMBER.match(text, i).end()
            toks.append(Token("num", text[i:j], i, j))
            i = j
            line_start = False
        else:
            for p in _PUNCTUATORS:
                if text.startswith(p, i):
                    break
            else:
                p = c
            toks.append(Token("punct", p, i, i + len(p)))
            i += len(p)
            line_start = False
    return toks


def _skip_literal(text: str, i: int) -> int:
    quote, j, n = text[i], i + 1, len(text)
    while j < n and text[j] != quote and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
    return min(j + 1, n)


def _skip_directive(text: str, i: int) -> int:
    """From a `#` at the start of a line to the end of the directive."""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and text.startswith("\n", i + 1):
            i += 2
        elif c == "\n":
            return i
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            return n if j < 0 else j
        elif c in "\"'":
            i = _skip_literal(text, i)
        else:
            i += 1
    return n


def _matching(toks: list[Token], i: int) -> int:
    """Index of the bracket that closes toks[i] (or len(toks) if none)."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opener, closer, depth = toks[i].text, pairs[toks[i].text], 0
    for j in range(i, len(toks)):
        if toks[j].kind != "punct":
            continue
        if toks[j].text == opener:
            depth += 1
        elif toks[j].text == closer:
            depth -= 1
            if depth == 0:
                return j
    return len(toks)


def _matching_back(toks: list[Token], i: int) -> int:
    """Index of the bracket that opens toks[i] (a closer), or -1."""
    pairs = {")": "(", "]": "[", "}": "{"}
    closer, opener, depth = toks[i].text, pairs[toks[i].text], 0
    for j in range(i, -1, -1):
        if toks[j].kind != "punct":
            continue
        if toks[j].text == closer:
            depth += 1
        elif toks[j].text == opener:
            depth -= 1
            if depth == 0:
                return j
    return -1


# ---------------------------------------------------------------------------------
# Mutants


@dataclasses.dataclass(frozen=True)
class Mutant:
    file: str  # relative to firmware_under_test/, e.g. core/bms.c
    line: int
    col: int
    op: str  # one of OPERATORS
    tag: str  # the replacement as the id shows it
    start: int  # character span of the source text replaced
    end: int
    original: str
    new: str  # text put in its place
    description: str
    src_sha256: str  # of the unmutated file

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}:{self.col}:{self.op}:{self.tag}"

    def apply(self, text: str) -> str:
        if text[self.start:self.end] != self.original:
            raise ValueError(f"{self.id}: the source no longer has {self.original!r} there")
        return text[: self.start] + self.new + text[self.end :]


# Accessors whose second argument is a manual parameter or switch number; the
# names and ranges are read from core/params.h and core/bms_internal.h when those
# are there (read_accessors), these are what they say today.
DEFAULT_ACCESSORS = {
    "P": ("param", 87),
    "bms_cfg_param": ("param", 87),
    "SW": ("switch", 64),
    "bms_cfg_switch": ("switch", 64),
    "bms_cfg_set_switch": ("switch", 64),
}

_REL = {"<": (">=", "<="), "<=": (">", "<"), ">": ("<=", ">="), ">=": ("<", ">"), "==": ("!=",), "!=": ("==",)}
_INT = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$")
_ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="}
_CONTROL = {"if", "else", "for", "while", "do", "switch", "return", "break", "continue", "goto", "case",
            "default"}
_DECL_WORDS = {"static", "extern", "const", "volatile", "register", "auto", "inline", "typedef", "struct",
               "union", "enum", "void", "char", "short", "int", "long", "float", "double", "signed",
               "unsigned", "_Bool", "bool", "_Static_assert", "_Alignas", "_Atomic", "_Thread_local"}


def read_accessors(core_dir: Path) -> dict[str, tuple[str, int]]:
    """Parameter / switch accessors from params.h (inline functions taking
    `unsigned number`) and bms_internal.h (macros forwarding to them)."""
    try:
        params_h = (core_dir / "params.h").read_text()
        internal_h = (core_dir / "bms_internal.h").read_text()
    except OSError:
        return dict(DEFAULT_ACCESSORS)
    counts = {}
    for kind, macro in (("param", "BMS_PARAM_COUNT"), ("switch", "BMS_SWITCH_COUNT")):
        m = re.search(rf"#define\s+{macro}\s+(\d+)", params_h)
        counts[kind] = int(m.group(1)) if m else DEFAULT_ACCESSORS["P" if kind == "param" else "SW"][1]
    acc: dict[str, tuple[str, int]] = {}
    for m in re.finditer(r"static\s+inline\s+[\w\s*]*?\b(bms_cfg_\w+)\s*\(\s*(?:const\s+)?bms_config\s*\*"
                         r"\s*\w+\s*,\s*unsigned\s+number\b", params_h):
        kind = "switch" if "switch" in m.group(1) else "param"
        acc[m.group(1)] = (kind, counts[kind])
    for m in re.finditer(r"#define\s+(\w+)\(\s*\w+\s*,\s*\w+\s*\)\s+(\w+)\s*\(", internal_h):
        if m.group(2) in acc:
            acc[m.group(1)] = acc[m.group(2)]
    return acc or dict(DEFAULT_ACCESSORS)


def typedef_names(text: str) -> set[str]:
    names = set(re.findall(r"\}\s*(\w+)\s*;", text))
    names |= set(re.findall(r"\btypedef\b[^;{}]*?\b(\w+)\s*(?:\[[^\]]*\]\s*)?;", text))
    return names


class _Source:
    """One C file's text with its tokens and what the operators need to know."""

    def __init__(self, rel: str, text: str, typedefs: set[str]):
        self.rel, self.text = rel, text
        self.sha = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
        self.toks = tokenize(text)
        self.typedefs = typedefs | typedef_names(text)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._brace_kinds()

    def line_col(self, offset: int) -> tuple[int, int]:
        ln = bisect.bisect_right(self.line_starts, offset)
        return ln, offset - self.line_starts[ln - 1] + 1

    def line_text(self, offset: int) -> str:
        ln, _ = self.line_col(offset)
        end = self.text.find("\n", self.line_starts[ln - 1])
        line = self.text[self.line_starts[ln - 1] : None if end < 0 else end]
        return _short(line)

    def _brace_kinds(self) -> None:
        """For every token, the stack of enclosing braces: 'block' (code), 'init'
        (an initializer) or 'type' (struct / union / enum body)."""
        toks = self.toks
        stack: list[str] = []
        self.context: list[tuple[str, ...]] = []
        for i, t in enumerate(toks):
            if t.kind == "punct" and t.text == "{":
                stack.append(self._kind_of_brace(i, stack))
            elif t.kind == "punct" and t.text == "}" and stack:
                stack.pop()
                self.context.append(tuple(stack))
                continue
            self.context.append(tuple(stack))

    def _kind_of_brace(self, i: int, stack: list[str]) -> str:
        if i == 0:
            return "block"
        p = self.toks[i - 1]
        inside = stack[-1] if stack else None
        if p.text == ")":
            o = _matching_back(self.toks, i - 1)
            before = self.toks[o - 1] if o > 0 else None
            return "block" if before is not None and before.kind == "id" else "init"
        if p.text in ("else", "do"):
            return "block"
        if p.text in ("=", ",", "return") or inside == "init":
            return "init"
        if p.text in ("{", "}", ";", ":"):
            return "block" if inside in ("block", None) else inside
        return "type"  # struct name {, enum {, ...

    def is_decl_start(self, s: int) -> bool:
        toks = self.toks
        t = toks[s]
        if t.kind != "id" or t.text in _CONTROL or t.text == "sizeof":
            return False
        if t.text in _DECL_WORDS or t.text in self.typedefs or t.text.endswith("_t"):
            return True
        j = s + 1
        while j < len(toks) and toks[j].text in ("*", "const"):
            j += 1
        return (j < len(toks) and toks[j].kind == "id" and j + 1 < len(toks)
                and toks[j + 1].text in ("=", ";", ",", "[", ")"))


def _short(s: str, width: int = 90) -> str:
    s = " ".join(s.split())
    return s if len(s) <= width else s[: width - 3] + "..."


def _nudges(text: str) -> list[str]:
    m = _INT.match(text)
    if not m:
        return []
    body, suffix = m.groups()
    if body[:2] in ("0x", "0X"):
        value = int(body[2:], 16)
        letters = [c for c in body[2:] if c.isalpha()]
        spec = "x" if letters and letters[0].islower() else "X"
        width = len(body) - 2

        def fmt(v: int) -> str:
            return body[:2] + format(v, f"0{width}{spec}") + suffix
    elif body.startswith("0") and len(body) > 1:
        value = int(body, 8)

        def fmt(v: int) -> str:
            return "0" + format(v, "o") + suffix
    else:
        value = int(body)

        def fmt(v: int) -> str:
            return str(v) + suffix
    out = [fmt(value + 1)]
    if value > 0:
        out.append(fmt(value - 1))
    elif "u" not in suffix.lower():
        out.append(f"(-1{suffix})")
    return out


def generate(rel: str, text: str, accessors: dict[str, tuple[str, int]] | None = None,
             typedefs: set[str] | None = None, skip_tables: bool = False) -> list[Mutant]:
    """Every mutant of one C file, in source order."""
    src = _Source(rel, text, typedefs or set())
    acc = DEFAULT_ACCESSORS if accessors is None else accessors
    out: list[Mutant] = []
    toks = src.toks

    def add(op: str, tag: str, start: int, end: int, new: str, description: str) -> None:
        line, col = src.line_col(start)
        out.append(Mutant(rel, line, col, op, tag, start, end, text[start:end], new, description, src.sha))

    # Numbers that operator 3 owns (the number argument of an accessor call) and
    # numbers that are array sizes in declarations: operator 2 leaves both alone.
    owned: dict[int, tuple[str, str, int]] = {}
    for i, t in enumerate(toks):
        if t.kind != "id" or t.text not in acc or i + 1 >= len(toks) or toks[i + 1].text != "(":
            continue
        close = _matching(toks, i + 1)
        depth, j = 0, i + 2
        while j < close:
            if toks[j].text in ("(", "[", "{"):
                depth += 1
            elif toks[j].text in (")", "]", "}"):
                depth -= 1
            elif toks[j].text == "," and depth == 0:
                break
            j += 1
        if j + 2 < len(toks) and j < close and toks[j + 1].kind == "num" and toks[j + 2].text in (")", ","):
            owned[j + 1] = (t.text, *acc[t.text])
    sizes: set[int] = set()
    stmt_start = 0
    for i, t in enumerate(toks):
        if t.kind == "punct" and t.text in (";", "{", "}"):
            stmt_start = i + 1
        elif t.kind == "punct" and t.text == "[" and src.is_decl_start(stmt_start):
            if not any(toks[k].text == "=" for k in range(stmt_start, i)):
                sizes.update(range(i + 1, _matching(toks, i)))

    for i, t in enumerate(toks):
        where = src.line_text(t.start)
        # 1. relational operators
        if t.kind == "punct" and t.text in _REL:
            for new in _REL[t.text]:
                kind = "flipped" if (new in ("==", "!=") or
                                     {t.text, new} in ({"<", ">="}, {"<=", ">"})) else "strictness"
                add("rel", new, t.start, t.end, new, f"`{t.text}` -> `{new}` ({kind}) in: {where}")
        # 2. integer constants, 3. parameter / switch numbers
        elif t.kind == "num" and i in owned:
            name, kind, highest = owned[i]
            m = re.match(r"^([1-9][0-9]*)([uUlL]*)$", t.text)
            number = int(m.group(1)) if m else 0
            for new in ((number - 1, number + 1) if m else ()):
                if 1 <= new <= highest:
                    label = "parameter #" if kind == "param" else "switch "
                    add("swap", str(new), t.start, t.end, f"{new}{m.group(2)}",
                        f"{label}{number} -> {label}{new} ({name}) in: {where}")
        elif t.kind == "num" and i not in sizes:
            if skip_tables and src.context[i] and src.context[i][0] == "init":
                continue
            for new in _nudges(t.text):
                add("const", new, t.start, t.end, new, f"constant {t.text} -> {new} in: {where}")
        # 4. conditions of if / while
        if t.kind == "id" and t.text in ("if", "while") and i + 1 < len(toks) and toks[i + 1].text == "(":
            close = _matching(toks, i + 1)
            if close < len(toks) and close > i + 2:
                a, b = toks[i + 2].start, toks[close - 1].end
                cond = text[a:b]
                add("neg", "!" + t.text, a, b, f"!({cond})", f"{t.text} condition negated: !({_short(cond, 60)})"
                    f" in: {where}")
        # 4. conditions of ?:
        elif t.kind == "punct" and t.text == "?":
            j = i - 1
            while j >= 0:
                u = toks[j]
                if u.kind == "punct" and u.text in (")", "]"):
                    j = _matching_back(toks, j) - 1
                    continue
                if (u.kind == "punct" and u.text in ("(", "[", "{", "}", ";", ",", "?", ":")) or \
                        u.text in _ASSIGN or (u.kind == "id" and u.text in ("return", "case")):
                    break
                j -= 1
            if j + 1 < i:
                a, b = toks[j + 1].start, toks[i - 1].end
                cond = text[a:b]
                add("neg", "!?:", a, b, f"!({cond})", f"?: condition negated: !({_short(cond, 60)}) in: {where}")

    # 5. statements removed
    start: int | None = None
    depth = 0
    depths: list[int] = []
    for i, t in enumerate(toks):
        if t.kind == "punct" and t.text == "{":
            depths.append(depth)
            depth, start = 0, None
            continue
        if t.kind == "punct" and t.text == "}":
            depth, start = (depths.pop() if depths else 0), None
            continue
        if start is None and depth == 0:
            start = i
        if t.kind == "punct" and t.text in ("(", "["):
            depth += 1
        elif t.kind == "punct" and t.text in (")", "]"):
            depth -= 1
        elif t.kind == "punct" and t.text == ":" and depth == 0 and start is not None \
                and toks[start].text in ("case", "default") \
                and not any(toks[k].text == "?" for k in range(start, i)):
            start = None  # a label: the statement starts after it
        elif t.kind == "punct" and t.text == ";" and depth == 0 and start is not None:
            s, start = start, None
            ctx = src.context[s]
            if not ctx or ctx[-1] != "block" or s == i:
                continue
            first = toks[s]
            if (first.kind == "id" and first.text in _CONTROL) or src.is_decl_start(s):
                continue
            if first.text == "(" and s + 2 < i and toks[s + 1].text == "void" and toks[s + 2].text == ")":
                continue  # (void)x; only silences a warning
            line_head = text[src.line_starts[src.line_col(first.start)[0] - 1] : first.start]
            if line_head.strip() or (i + 1 < len(toks) and src.line_col(toks[i + 1].start)[0]
                                     == src.line_col(t.start)[0]):
                continue  # not on a line of its own
            stmt = text[first.start : t.end]
            add("del", "removed", first.start, t.end, "", f"statement removed: {_short(stmt, 80)}")

    order = {op: k for k, op in enumerate(OPERATORS)}
    out.sort(key=lambda m: (m.start, order[m.op]))  # stable: generation order within
    unique: dict[str, Mutant] = {}
    for m in out:
        unique.setdefault(m.id, m)
    return list(unique.values())


# ---------------------------------------------------------------------------------
# Code that never reaches the board
#
# The register map's description (for tools/regmap_export.c and the tests) lives in
# core/ but the board never calls it: the Cortex-M4 link (-ffunction-sections,
# --gc-sections) leaves it out of the image. A mutant there cannot change what any
# board does, so it is "off the board": not run, not counted. The linker's map file
# is the witness, not a list kept by hand.


@dataclasses.dataclass(frozen=True)
class Function:
    name: str
    start: int  # character span of the whole definition
    end: int
    static: bool
    refs: frozenset  # identifiers named inside its body


def functions_of(text: str) -> list[Function]:
    """The function definitions of one C file (a `{` at file scope after `name(...)`)."""
    toks = tokenize(text)
    out: list[Function] = []
    depth, i = 0, 0
    stmt_start = 0  # first token of the current file-scope declaration
    while i < len(toks):
        t = toks[i]
        if t.kind == "punct" and t.text == "{":
            if depth == 0 and i > 0 and toks[i - 1].text == ")":
                o = _matching_back(toks, i - 1)
                if o > 0 and toks[o - 1].kind == "id":
                    close = _matching(toks, i)
                    head = {x.text for x in toks[stmt_start:o]}
                    body = frozenset(x.text for x in toks[i:close] if x.kind == "id")
                    end = toks[close].end if close < len(toks) else len(text)
                    out.append(Function(toks[o - 1].text, toks[stmt_start].start, end, "static" in head, body))
                    i = close + 1
                    stmt_start = i
                    continue
            depth += 1
        elif t.kind == "punct" and t.text == "}":
            depth -= 1
        elif t.kind == "punct" and t.text == ";" and depth == 0:
            stmt_start = i + 1
        i += 1
    return out


def board_sections(map_text: str) -> tuple[set[str], set[str]]:
    """Function sections (.text.<name>) the linker kept and those it discarded,
    from a GNU ld map file."""
    kept: set[str] = set()
    discarded: set[str] = set()
    where = None
    for line in map_text.splitlines():
        if line.startswith("Discarded input sections"):
            where = discarded
        elif line.startswith("Memory Configuration"):
            where = None
        elif line.startswith("Linker script and memory map"):
            where = kept
        if where is not None:
            m = re.match(r"^ \.text\.([A-Za-z_][A-Za-z0-9_]*)", line)
            if m:
                where.add(m.group(1))
    return kept, discarded


def off_board_functions(texts: dict[str, str], map_text: str) -> dict[str, set[str]]:
    """By file, the functions the board image does not contain: those whose section
    the linker discarded, and static functions (inlined, so without a section of
    their own) that only off-board functions name. A static function named at file
    scope (a table of handlers) or by nothing at all counts as on the board."""
    kept, discarded = board_sections(map_text)
    out: dict[str, set[str]] = {}
    for rel, text in texts.items():
        funcs = functions_of(text)
        off = {f.name for f in funcs if f.name in discarded}
        spans = [(f.start, f.end) for f in funcs]
        outside = set()  # identifiers named outside every function body
        for t in tokenize(text):
            if t.kind == "id" and not any(a <= t.start < b for a, b in spans):
                outside.add(t.text)
        changed = True
        while changed:
            changed = False
            for f in funcs:
                if f.name in off or f.name in kept or not f.static or f.name in outside:
                    continue
                callers = [g for g in funcs if g is not f and f.name in g.refs]
                if callers and all(g.name in off for g in callers):
                    off.add(f.name)
                    changed = True
        if off:
            out[rel] = off
    return out


def off_board_ids(mutants: list[Mutant], sources: dict[str, bytes], map_text: str | None) -> dict[str, str]:
    """Mutant id -> the off-board function it sits in."""
    if not map_text:
        return {}
    texts = {rel: data.decode("utf-8", "surrogateescape") for rel, data in sources.items()}
    off = off_board_functions(texts, map_text)
    spans = {rel: [(f.start, f.end, f.name) for f in functions_of(texts[rel]) if f.name in names]
             for rel, names in off.items()}
    out: dict[str, str] = {}
    for m in mutants:
        for a, b, name in spans.get(m.file, ()):
            if a <= m.start < b:
                out[m.id] = name
    return out


def read_sources(firmware_dir: Path) -> dict[str, bytes]:
    """firmware_dir/core/*.c by "core/name.c", in name order."""
    return {f"core/{p.name}": p.read_bytes() for p in sorted((firmware_dir / "core").glob("*.c"))}


def firmware_mutants(firmware_dir: Path, skip_tables: bool = False,
                     sources: dict[str, bytes] | None = None) -> list[Mutant]:
    """Every mutant of firmware_dir/core/*.c (or of `sources`), files in name order."""
    core = firmware_dir / "core"
    accessors = read_accessors(core)
    typedefs: set[str] = set()
    for h in sorted(core.glob("*.h")):
        typedefs |= typedef_names(h.read_text(errors="surrogateescape"))
    out: list[Mutant] = []
    for rel, data in (read_sources(firmware_dir) if sources is None else sources).items():
        out += generate(rel, data.decode("utf-8", "surrogateescape"), accessors, typedefs, skip_tables)
    return out


def select(mutants: list[Mutant], only: str | None = None, operators: list[str] | None = None,
           sample: int | None = None, seed: int = 1) -> list[Mutant]:
    """Filter by id regex and operator, then a seeded sample, in the order drawn:
    any first part of a sample run is itself a random sample, so a run stopped
    early still gives an unbiased kill rate."""
    out = [m for m in mutants if (not operators or m.op in operators)
           and (not only or re.search(only, m.id))]
    if sample is not None and sample < len(out):
        out = [out[k] for k in random.Random(seed).sample(range(len(out)), sample)]
    return out


def counts_table(mutants: list[Mutant]) -> str:
    files = sorted({m.file for m in mutants})
    lines = [f"  {op:6s} {OPERATOR_TEXT[op]}" for op in OPERATORS] + [""]
    lines += [f"{'file':32s}" + "".join(f"{op:>7s}" for op in OPERATORS) + f"{'total':>8s}"]
    for f in files + ["total"]:
        row = [m for m in mutants if f == "total" or m.file == f]
        lines.append(f"{f:32s}" + "".join(f"{sum(m.op == op for m in row):7d}" for op in OPERATORS)
                     + f"{len(row):8d}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------
# Results file (JSON lines) and the report


def load_results(path: Path) -> dict[str, dict]:
    """The last record per id; a line that does not parse (a run killed while
    writing) is skipped with a warning."""
    records: dict[str, dict] = {}
    if not path.exists():
        return records
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            records[rec["id"]] = rec
        except (ValueError, KeyError, TypeError):
            print(f"mutate: {path}:{n}: not a result record, skipped", file=sys.stderr)
    return records


def append_result(path: Path, record: dict) -> None:
    """One line, one write on an O_APPEND descriptor, fsynced: an interrupted run
    loses at most the mutant it was running."""
    data = (json.dumps(record, sort_keys=True) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data  # end a line left half written by a killed run
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


KINDS = ("equivalent", "unspecified", "unobservable")


def _load_marked(path: Path, kind: str) -> dict[str, str]:
    """Entries of equivalent.json of one kind: `equivalent` (the default: no
    observer of the board can tell the mutant from the original), `unspecified`
    (one can, but the manual and INTERPRETATION.md do not say which behaviour is
    right, so an oracle that does not copy the firmware cannot judge it) or
    `unobservable` (specified, but the difference is below what the measuring
    chain resolves: a 1 mV shift behind an AFE with a 0.38 mV step, +-2 mV offset
    and noise). Only `equivalent` leaves the kill rate; the others stay survivors
    and are set aside in a second figure."""
    if not path.exists():
        return {}
    try:
        entries = json.loads(path.read_text())
    except ValueError as e:
        raise SystemExit(f"mutate: {path}: not JSON: {e}")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "id" in e for e in entries):
        raise SystemExit(f'mutate: {path}: expected a list of {{"id": ..., "reason": ...}}')
    for e in entries:
        if e.get("kind", "equivalent") not in KINDS:
            raise SystemExit(f"mutate: {path}: {e['id']}: kind {e['kind']!r} is not one of {', '.join(KINDS)}")
    return {e["id"]: str(e.get("reason", "")) for e in entries if e.get("kind", "equivalent") == kind}


def load_equivalent(path: Path) -> dict[str, str]:
    return _load_marked(path, "equivalent")


def load_unspecified(path: Path) -> dict[str, str]:
    """Both kinds of survivor set aside in the second figure, the reason prefixed by its kind."""
    return {**{k: "unspecified: " + v for k, v in _load_marked(path, "unspecified").items()},
            **{k: "below resolution: " + v for k, v in _load_marked(path, "unobservable").items()}}


def summarize(records: dict[str, dict], equivalent: dict[str, str], off_board: dict[str, str] | None = None,
              unspecified: dict[str, str] | None = None) -> dict:
    """The report's arithmetic. Detected = killed + timeout; stillborn, off-board,
    equivalent and error (the rig could not judge) mutants are outside the kill rate.
    A mutant in a function the board image leaves out counts as off the board
    whatever its record says (a record made before the map was known)."""
    off_board = off_board or {}
    status = {r["id"]: ("off_board" if r["id"] in off_board and r["status"] != "stillborn" else r["status"])
              for r in records.values()}
    by = {s: [r for r in records.values() if status[r["id"]] == s]
          for s in ("killed", "survived", "stillborn", "timeout", "error", "off_board")}
    equiv = [r for r in by["survived"] if r["id"] in equivalent]
    unspec = [r for r in by["survived"] if r["id"] in (unspecified or {}) and r["id"] not in equivalent]
    detected = len(by["killed"]) + len(by["timeout"])
    scored = detected + len(by["survived"]) - len(equiv)
    unit = [r for r in by["killed"] + by["survived"] + by["timeout"] if r.get("unit")
            and r["unit"].get("status") != "stillborn" and r["id"] not in equivalent]
    unit_detected = [r for r in unit if r["unit"]["status"] in ("killed", "timeout")]
    unit_only = [r for r in unit_detected if r["status"] == "survived"]
    return {
        "mutants": len(records),
        "killed": len(by["killed"]),
        "timeout": len(by["timeout"]),
        "survived": len(by["survived"]),
        "stillborn": len(by["stillborn"]),
        "error": len(by["error"]),
        "off_board": len(by["off_board"]),
        "equivalent": len(equiv),
        "detected": detected,
        "scored": scored,
        "kill_rate": detected / scored if scored else None,
        "unspecified": len(unspec),
        "kill_rate_specified": detected / (scored - len(unspec)) if scored - len(unspec) else None,
        "unit_scored": len(unit),
        "unit_detected": len(unit_detected),
        "unit_kill_rate": len(unit_detected) / len(unit) if unit else None,
        "unit_only": len(unit_only),
        "equivalent_but_killed": sorted(r["id"] for r in records.values()
                                        if r["id"] in equivalent and r["status"] != "survived"),
    }


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100.0 * x:.1f} %"


def report(records: dict[str, dict], equivalent: dict[str, str], current_sha: dict[str, str] | None = None,
           off_board: dict[str, str] | None = None, unspecified: dict[str, str] | None = None) -> str:
    off_board = off_board or {}
    unspecified = unspecified or {}
    s = summarize(records, equivalent, off_board, unspecified)
    out = [
        f"mutants:    {s['mutants']}",
        f"killed:     {s['killed']}" + (f" (+ {s['timeout']} timeout, counted as killed)" if s["timeout"] else ""),
        f"survived:   {s['survived']} ({s['equivalent']} of them equivalent)",
        f"stillborn:  {s['stillborn']} (did not compile; not counted)",
        f"error:      {s['error']} (the rig could not judge: bmshil exited with neither 0 nor 1; not counted)",
        f"off board:  {s['off_board']} (in code the Cortex-M4 image leaves out"
        + (f": {', '.join(sorted(set(off_board[i] for i in records if i in off_board)))}" if s["off_board"] else "")
        + "; not counted)",
        f"equivalent: {s['equivalent']}",
        f"kill rate:  {_pct(s['kill_rate'])} ({s['detected']} of {s['scored']} non-equivalent compiled mutants)",
    ]
    if s["unspecified"]:
        out.append(f"            {_pct(s['kill_rate_specified'])} of the {s['scored'] - s['unspecified']} left when the "
                   f"{s['unspecified']} survivors the manual does not specify or the measurement cannot resolve are "
                   "set aside")
    if s["unit_scored"]:
        out.append(f"firmware unit tests (separate figure): {s['unit_detected']} of {s['unit_scored']} killed, "
                   f"{_pct(s['unit_kill_rate'])}; {s['unit_only']} of the suite's survivors are killed by them")
    for ident in s["equivalent_but_killed"]:
        out.append(f"warning: {ident} is listed as equivalent but was {records[ident]['status']}")
    if current_sha:
        stale = [r for r in records.values() if r["file"] in current_sha and r.get("src_sha256")
                 and r["src_sha256"] != current_sha[r["file"]]]
        if stale:
            out.append(f"stale: {len(stale)} records were made on a version of their file that has changed since")
    rows = [("operator", op, [r for r in records.values() if r["operator"] == op]) for op in OPERATORS]
    rows += [("file", f, [r for r in records.values() if r["file"] == f])
             for f in sorted({r["file"] for r in records.values()})]
    out.append("")
    out.append(f"{'':34s}{'mutants':>8s}{'killed':>8s}{'surv.':>7s}{'equiv.':>7s}{'stillb.':>8s}{'rate':>9s}")
    for kind, name, rs in rows:
        if not rs:
            continue
        sub = summarize({r["id"]: r for r in rs}, equivalent, off_board, unspecified)
        out.append(f"{kind + ' ' + name:34s}{sub['mutants']:8d}{sub['detected']:8d}{sub['survived']:7d}"
                   f"{sub['equivalent']:7d}{sub['stillborn']:8d}{_pct(sub['kill_rate']):>9s}")
    survivors = sorted((r for r in records.values() if r["status"] == "survived" and r["id"] not in off_board),
                       key=lambda r: (r["file"], r["line"], r["col"], r["id"]))
    out.append("")
    out.append(f"survivors ({len(survivors)}):" if survivors else "survivors: none")
    for r in survivors:
        if r["id"] in equivalent:
            why = "equivalent: " + equivalent[r["id"]]
        elif r["id"] in unspecified:
            why = "set aside (counted as a survivor): " + unspecified[r["id"]]
        else:
            why = "reason: no reason recorded yet"
        unit = r.get("unit") or {}
        out.append(f"  {r['id']}")
        out.append(f"      {r['description']}")
        if unit.get("status"):
            out.append(f"      firmware unit tests: {unit['status']}"
                       + (f" ({', '.join(unit.get('failed', [])[:3])})" if unit.get("failed") else ""))
        out.append(f"      {why}")
    return "\n".join(out)


# ---------------------------------------------------------------------------------
# The run loop (the evaluation of one mutant is passed in, so it can be tested)


def pending(mutants: list[Mutant], records: dict[str, dict]) -> list[Mutant]:
    """Mutants not yet recorded on the same version of their file."""
    # A mutant the rig could not judge (status error) runs again.
    return [m for m in mutants if not (m.id in records and records[m.id].get("src_sha256") == m.src_sha256
                                       and records[m.id].get("status") != "error")]


def progress_line(k: int, total: int, elapsed_s: float, rec: dict) -> str:
    head = f"[{k:3d}/{total}  {elapsed_s / 60.0:.1f} min] {rec['status']:9s} {rec['id']}"
    failed = rec.get("failed") or []
    if rec["status"] == "killed" and failed:
        head += f"  by {failed[0]}" + (f" (+{len(failed) - 1})" if len(failed) > 1 else "")
    elif rec.get("note"):
        head += f"  ({rec['note']})"
    if rec.get("unit"):
        head += f"  [unit tests: {rec['unit']['status']}]"
    return head + f"  {rec.get('wall_s', 0.0):.1f} s"


def run_loop(mutants: list[Mutant], results: Path, evaluate, out=None) -> int:
    """Evaluates every mutant not yet in `results`, appending each record as it
    finishes. Returns how many were evaluated."""
    out = out or sys.stdout
    todo = pending(mutants, load_results(results))
    print(f"mutate: {len(mutants)} mutants selected, {len(mutants) - len(todo)} already recorded in {results}, "
          f"{len(todo)} to run", file=out, flush=True)
    t0 = time.monotonic()
    for k, m in enumerate(todo, 1):
        rec = evaluate(m)
        append_result(results, rec)
        print(progress_line(k, len(todo), time.monotonic() - t0, rec), file=out, flush=True)
    return len(todo)


@contextlib.contextmanager
def mutated(path: Path, original: bytes, m: Mutant):
    """`path` holds the mutant inside the block and exactly `original` after it,
    however the block ends (an error, Ctrl-C, SIGTERM: both are raised as
    KeyboardInterrupt here)."""
    text = original.decode("utf-8", "surrogateescape")
    data = m.apply(text).encode("utf-8", "surrogateescape")
    try:
        path.write_bytes(data)
        yield path
    finally:
        path.write_bytes(original)


def record_of(m: Mutant, status: str, **fields) -> dict:
    rec = {"id": m.id, "file": m.file, "line": m.line, "col": m.col, "operator": m.op,
           "original": m.original, "replacement": m.new, "description": m.description,
           "src_sha256": m.src_sha256, "status": status, "failed": [],
           "finished": datetime.datetime.now().isoformat(timespec="seconds")}
    rec.update(fields)
    return rec


# ---------------------------------------------------------------------------------
# Building mutants in a scratch tree

WRAPPER_CMAKE = """\
# Written by tools/mutate.py: the bundled firmware alone, compiled as the top-level
# CMakeLists.txt of bms-hil compiles it (C11, PIC, Release, lib/ and bin/), plus the
# firmware's unit tests. The sources here are a scratch copy; mutants are written here.
cmake_minimum_required(VERSION 3.25)
project(bms_mutants VERSION 0.1.0 LANGUAGES C CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
set(CMAKE_LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
set(CMAKE_ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-Wall> $<$<COMPILE_LANGUAGE:CXX>:-Wextra>)
enable_testing()
add_subdirectory(firmware_under_test)
option(BMS_MUTANT_UNIT_TESTS "Also build the firmware's unit tests" ON)
if(BMS_MUTANT_UNIT_TESTS AND EXISTS ${CMAKE_SOURCE_DIR}/tests/firmware/CMakeLists.txt)
  find_package(GTest REQUIRED)
  add_subdirectory(tests/firmware)
endif()
"""

# What the scratch tree holds, relative to the repository.
SCRATCH_TREES = ("firmware_under_test", "tests/firmware")
SCRATCH_FILES = ("rig/board_contract.h",)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


class Workbench:
    """The scratch tree, its build, and running the suite and unit tests."""

    def __init__(self, args, sources: dict[str, bytes]):
        self.args = args
        self.root = Path(args.build_dir).resolve()
        self.src = self.root / "src"
        self.bin = self.root / "build"
        self.prefix = str(self.src / "firmware_under_test") + "/"
        self.sources = sources  # core/*.c as read at the start, by "core/x.c"
        self.unit = not args.no_unit_tests
        fw = (REPO / "firmware_under_test").resolve()
        if self.root == fw or fw in self.root.parents:
            raise SystemExit(f"mutate: --build-dir {self.root} is inside firmware_under_test/")

    # -- scratch tree
    def sync(self) -> None:
        """Copies the firmware, board_contract.h and the firmware's tests into the
        scratch tree; files already equal are left alone (their objects stay valid)."""
        wanted: dict[Path, bytes] = {}
        for tree in SCRATCH_TREES:
            for p in sorted((REPO / tree).rglob("*")):
                if p.is_file() and "__pycache__" not in p.parts:
                    wanted[self.src / p.relative_to(REPO)] = p.read_bytes()
        for f in SCRATCH_FILES:
            wanted[self.src / f] = (REPO / f).read_bytes()
        for rel, data in self.sources.items():  # the very bytes the mutants came from
            wanted[self.src / "firmware_under_test" / rel] = data
        wanted[self.src / "CMakeLists.txt"] = WRAPPER_CMAKE.encode()
        for tree in SCRATCH_TREES:
            base = self.src / tree
            if base.exists():
                for p in base.rglob("*"):
                    if p.is_file() and p not in wanted:
                        p.unlink()
        for path, data in wanted.items():
            if not path.exists() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)

    # -- build
    def configure(self) -> None:
        if (self.bin / "CMakeCache.txt").exists():
            cmd = ["cmake", "-S", str(self.src), "-B", str(self.bin),
                   f"-DBMS_MUTANT_UNIT_TESTS={'ON' if self.unit else 'OFF'}"]
        else:
            print(f"mutate: configuring the scratch build in {self.bin}", flush=True)
            cmd = ["cmake", "-S", str(self.src), "-B", str(self.bin), "-G", "Unix Makefiles",
                   "-DCMAKE_BUILD_TYPE=Release", f"-DBMS_MUTANT_UNIT_TESTS={'ON' if self.unit else 'OFF'}"]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise SystemExit(f"mutate: cmake configure failed:\n{r.stdout[-3000:]}")
        self._compare_flags()

    def _compare_flags(self) -> None:
        """Warns when the scratch build compiles the firmware with other flags than
        the main build does (both Makefile builds: flags.make)."""
        rel = Path("firmware_under_test/CMakeFiles/bms_firmware.dir/flags.make")
        mine, main = self.bin / rel, Path(self.args.main_build) / rel
        if not (mine.exists() and main.exists()):
            return

        def flags(p: Path) -> dict[str, str]:
            return dict(re.findall(r"^(C_FLAGS|C_DEFINES) = (.*)$", p.read_text(), re.M))
        if flags(mine) != flags(main):
            print(f"mutate: warning: the scratch build's C flags {flags(mine)} differ from the main build's "
                  f"{flags(main)}; update WRAPPER_CMAKE in tools/mutate.py", file=sys.stderr)

    def build(self, target: str) -> tuple[bool, str, float]:
        t0 = time.monotonic()
        r = self._run(["cmake", "--build", str(self.bin), "--target", target, "-j", str(self.args.build_jobs)],
                      timeout=self.args.build_timeout_s)
        ok = r is not None and r[0] == 0
        text = "" if r is None else r[1]
        return ok, text, time.monotonic() - t0

    @property
    def library(self) -> Path:
        return self.bin / "lib" / "libbms_firmware.so"

    # -- running things
    def _run(self, cmd: list[str], timeout: float, stop_on=None, cwd=None):
        """Runs cmd in its own process group; returns (rc, output) or None on
        timeout. stop_on(line) returning True ends it early (rc reported as 1).
        The whole group is killed on timeout, early stop or interrupt."""
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True, cwd=cwd, errors="replace")
        lines: list[str] = []
        q: queue.Queue = queue.Queue()

        def reader():
            for line in p.stdout:
                q.put(line)
            q.put(None)
        threading.Thread(target=reader, daemon=True).start()
        deadline = time.monotonic() + timeout
        stopped = False
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._kill(p)
                    return None
                try:
                    line = q.get(timeout=min(left, 1.0))
                except queue.Empty:
                    continue
                if line is None:
                    break
                lines.append(line)
                if stop_on is not None and stop_on(line):
                    stopped = True
                    self._kill(p)
                    break
            rc = p.wait()
        except BaseException:
            self._kill(p)
            raise
        return (1 if stopped else rc), "".join(lines)

    @staticmethod
    def _kill(p: subprocess.Popen) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                return
            try:
                p.wait(timeout=5)
                return
            except subprocess.TimeoutExpired:
                continue

    def run_suite(self, library: Path) -> tuple[str, list[str], int | None, str, float]:
        """(status, failed items, rc, note, seconds), over the profiles the main
        job runs (the defaults, then the separating set); a mutant is killed by
        the first profile that fails."""
        t0 = time.monotonic()
        failed: list[str] = []
        rc: int | None = 0
        note = ""
        with tempfile.TemporaryDirectory(prefix="bmshil-mutant-") as tmp:
            profiles: list[list[str]] = [[]]
            if not self.args.defaults_only:
                sep = os.path.join(tmp, "separating.yaml")
                subprocess.run([self.args.bmshil, "params", "--separating", "--out", sep], check=True,
                               stdout=subprocess.DEVNULL)
                profiles.append(["--params", sep])
            for k, extra in enumerate(profiles):
                cmd = [self.args.bmshil, "suite", "--firmware", str(library), "--jobs", str(self.args.jobs),
                       "--results-dir", os.path.join(tmp, f"results{k}"), "--timeout-s", str(self.args.timeout_s)] + extra
                if self.args.scenarios:
                    cmd += ["--scenarios", self.args.scenarios]
                stop = (lambda line: _suite_item(line) is not None and _suite_item(line)[0] != "passed") \
                    if self.args.first_failure else None
                r = self._run(cmd, timeout=self.args.mutant_timeout_s, stop_on=stop, cwd=tmp)
                if r is None:
                    return "timeout", failed, None, f"suite still running after {self.args.mutant_timeout_s:g} s", \
                        time.monotonic() - t0
                rc, output = r
                tag = " [separating]" if extra else ""
                for line in output.splitlines():
                    item = _suite_item(line)
                    if item and item[0] != "passed":
                        failed.append((item[1] if item[0] == "failed" else f"{item[1]} ({item[0]})") + tag)
                # Exit 1 is a finding against the firmware; anything else (2 bad
                # input, a rig that did not start) says nothing of the mutant and
                # must never count as a kill.
                if rc == 1 and failed:
                    return "killed", failed, rc, note, time.monotonic() - t0
                if rc != 0:
                    note = f"bmshil exited {rc}: " + _short(" | ".join(output.splitlines()[-3:]), 200)
                    return "error", failed, rc, note, time.monotonic() - t0
        return "survived", failed, rc, note, time.monotonic() - t0

    def run_unit_tests(self) -> dict:
        exe = self.bin / "bin" / "bms_firmware_tests"
        with tempfile.TemporaryDirectory(prefix="bms-unit-") as tmp:
            r = self._run([str(exe), "--gtest_brief=1"], timeout=self.args.unit_timeout_s, cwd=tmp)
        if r is None:
            return {"status": "timeout", "failed": []}
        rc, output = r
        failed = sorted(set(re.findall(r"^\[  FAILED  \] (\S+?)(?:,|\s|$)", output, re.M)))
        return {"status": "survived" if rc == 0 else "killed", "failed": failed, "rc": rc}

    # -- one mutant
    def evaluate(self, m: Mutant) -> dict:
        t0 = time.monotonic()
        with mutated(self.src / "firmware_under_test" / m.file, self.sources[m.file], m):
            ok, output, build_s = self.build("bms_firmware")
            if not ok:
                return record_of(m, "stillborn", note=_first_error(output, self.prefix),
                                 build_s=round(build_s, 2), wall_s=round(time.monotonic() - t0, 2))
            unit = None
            if self.unit:
                uok, uout, ubuild_s = self.build("bms_firmware_tests")
                build_s += ubuild_s
                unit = self.run_unit_tests() if uok else {"status": "stillborn", "failed": [],
                                                          "note": _first_error(uout, self.prefix)}
            status, failed, rc, note, suite_s = self.run_suite(self.library)
            rec = record_of(m, status, failed=failed, suite_rc=rc, build_s=round(build_s, 2),
                            suite_s=round(suite_s, 2), wall_s=round(time.monotonic() - t0, 2), unit=unit)
            if note:
                rec["note"] = note
            return rec

    def baseline(self) -> None:
        """The unmutated firmware must build and pass, else every mutant would look killed."""
        ok, output, _ = self.build("bms_firmware")
        if not ok:
            raise SystemExit(f"mutate: the unmutated firmware does not build:\n{output[-3000:]}")
        if self.unit:
            uok, uout, _ = self.build("bms_firmware_tests")
            if not uok:
                print(f"mutate: the firmware's unit tests do not build, left out:\n{uout[-1500:]}", file=sys.stderr)
                self.unit = False
            elif self.run_unit_tests()["status"] != "survived":
                print("mutate: the firmware's unit tests fail on the unmutated firmware, left out", file=sys.stderr)
                self.unit = False
        if self.args.skip_baseline:
            return
        print("mutate: baseline: the suite against the unmutated firmware ...", flush=True)
        status, failed, rc, note, seconds = self.run_suite(self.library)
        if status != "survived":
            raise SystemExit(f"mutate: the suite does not pass on the unmutated firmware ({status}, rc {rc}; "
                             f"{', '.join(failed[:10]) or note}); fix that first or pass --skip-baseline")
        print(f"mutate: baseline passed in {seconds:.1f} s", flush=True)


_SUITE_LINE = re.compile(r"^\[\s*\d+/\d+\s+[\d.]+ s\]\s+(\w+)\s+(\S+)")


def _suite_item(line: str) -> tuple[str, str] | None:
    m = _SUITE_LINE.match(line)
    return (m.group(1), m.group(2)) if m else None


def _first_error(output: str, prefix: str = "") -> str:
    """The compiler's first error line, paths relative to the scratch firmware."""
    lines = [line.replace(prefix, "") if prefix else line for line in output.splitlines()]
    for line in lines:
        if re.search(r"\berror\b", line):
            return _short(line.strip(), 200)
    return _short(" | ".join(lines[-2:]), 200)


# ---------------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Mutation testing of the bundled firmware against bmshil suite.")
    ap.add_argument("--list", action="store_true", help="print the mutants and counts per operator and file")
    ap.add_argument("--report", action="store_true", help="read --results and print the report")
    ap.add_argument("--sample", type=int, help="a seeded random sample of N mutants")
    ap.add_argument("--seed", type=int, default=1, help="seed of --sample (default 1)")
    ap.add_argument("--only", metavar="ID_REGEX", help="only mutants whose id matches this regex")
    ap.add_argument("--operators", help=f"comma-separated subset of {','.join(OPERATORS)}")
    ap.add_argument("--skip-tables", action="store_true",
                    help="const: leave out constants in file-scope initializer tables")
    ap.add_argument("--jobs", type=int, default=2, help="passed to bmshil suite --jobs (default 2)")
    ap.add_argument("--timeout-s", type=float, default=60.0, help="bmshil suite --timeout-s per item (default 60)")
    ap.add_argument("--mutant-timeout-s", type=float, default=900.0,
                    help="wall time of one suite run before the mutant counts as timeout (default 900)")
    ap.add_argument("--unit-timeout-s", type=float, default=120.0, help="wall time of the unit tests (default 120)")
    ap.add_argument("--build-timeout-s", type=float, default=600.0)
    ap.add_argument("--build-jobs", type=int, default=1, help="make -j of each mutant build (default 1)")
    ap.add_argument("--scenarios", default=None,
                    help="folder of scenarios for bmshil suite (default: the bundled ones; a copy keeps a long run "
                         "steady while scenarios/ is edited)")
    ap.add_argument("--defaults-only", action="store_true",
                    help="run the suite under the manual's defaults only (the main job also runs the separating set)")
    ap.add_argument("--first-failure", action="store_true",
                    help="stop the suite at its first failed item (faster; records only that item)")
    ap.add_argument("--no-unit-tests", action="store_true", help="do not run the firmware's unit tests")
    ap.add_argument("--skip-baseline", action="store_true", help="do not run the suite on the unmutated firmware")
    ap.add_argument("--nice", type=int, default=19, help="niceness of the builds and runs (default 19)")
    ap.add_argument("--build-dir", default=str(REPO / "build" / "mutants"),
                    help="scratch tree and its build (default build/mutants)")
    ap.add_argument("--results", help="JSON lines, one per mutant (default <build-dir>/results.jsonl)")
    ap.add_argument("--equivalent", default=str(REPO / "tools" / "mutation" / "equivalent.json"))
    ap.add_argument("--bmshil", default=str(REPO / "build" / "bin" / "bmshil"))
    ap.add_argument("--board-map", default=str(REPO / "build" / "cortex-m4" / "bms_firmware.map"),
                    help="GNU ld map of the Cortex-M4 image (firmware_under_test/port/cortex_m4/build.sh): mutants "
                         "in functions it leaves out are off the board, not run and not counted")
    ap.add_argument("--main-build", default=str(REPO / "build"), help="to compare compile flags with")
    ap.add_argument("--firmware-dir", default=str(REPO / "firmware_under_test"))
    args = ap.parse_args(argv)
    if args.operators:
        args.operators = [o.strip() for o in args.operators.split(",") if o.strip()]
        bad = [o for o in args.operators if o not in OPERATORS]
        if bad:
            ap.error(f"unknown operator {bad[0]} (known: {', '.join(OPERATORS)})")
    if args.only:
        try:
            re.compile(args.only)
        except re.error as e:
            ap.error(f"--only: {e}")
    args.results = Path(args.results or Path(args.build_dir) / "results.jsonl")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    firmware_dir = Path(args.firmware_dir)
    sources = read_sources(firmware_dir)  # read once: the ids and the builds use these bytes
    everything = firmware_mutants(firmware_dir, args.skip_tables, sources)
    chosen = select(everything, args.only, args.operators, args.sample, args.seed)
    board_map = Path(args.board_map)
    if board_map.exists():
        off_board = off_board_ids(everything, sources, board_map.read_text(errors="replace"))
    else:
        off_board = {}
        print(f"mutate: no {board_map} (run firmware_under_test/port/cortex_m4/build.sh): every mutant counts as "
              "on the board", file=sys.stderr)

    if args.report:
        shas = {m.file: m.src_sha256 for m in everything}
        print(report(load_results(args.results), load_equivalent(Path(args.equivalent)), shas, off_board,
                     load_unspecified(Path(args.equivalent))))
        return 0
    if args.list:
        for m in chosen:
            print(f"{m.id}\t{m.description}")
        print()
        print(f"{len(chosen)} mutants" + (f" (of {len(everything)})" if len(chosen) != len(everything) else "")
              + f"; {sum(1 for m in chosen if m.id in off_board)} of them off the board")
        print(counts_table(chosen))
        return 0

    if not pending(chosen, load_results(args.results)):
        print(f"mutate: all {len(chosen)} selected mutants are recorded in {args.results}")
        return 0
    if not Path(args.bmshil).exists():
        raise SystemExit(f"mutate: {args.bmshil} not found: build the rig first (bash tools/build.sh)")
    if args.nice:
        os.nice(args.nice)
    bench = Workbench(args, sources)
    bench.root.mkdir(parents=True, exist_ok=True)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    with open(bench.root / "lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"mutate: another mutate.py is running in {bench.root}")
        try:
            bench.sync()
            bench.configure()
            bench.baseline()
            def evaluate(m: Mutant) -> dict:
                if m.id in off_board:
                    return record_of(m, "off_board", note=f"in {off_board[m.id]}, which the board image leaves out",
                                     wall_s=0.0)
                return bench.evaluate(m)
            run_loop(chosen, args.results, evaluate)
        except KeyboardInterrupt:
            print(f"\nmutate: interrupted; finished mutants are in {args.results} (run again to resume)",
                  file=sys.stderr)
            return 130
    print()
    records = load_results(args.results)
    mine = {m.id: records[m.id] for m in chosen if m.id in records}
    print(report(mine, load_equivalent(Path(args.equivalent)), None, off_board, load_unspecified(Path(args.equivalent))))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # --list | head
        sys.stderr.close()
        sys.exit(0)
