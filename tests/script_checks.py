"""What the ctest scripts (tests/*/..._test.py) share: named checks that print
"ok" or "FAIL" with what they checked, counted, so a script reports every
failure of a run and exits 1 if there was any."""


class Checks:
    def __init__(self, name: str):
        self.name = name
        self.failed = 0

    def __call__(self, ok: bool, what: str) -> bool:
        print(("ok   " if ok else "FAIL ") + what)
        self.failed += 0 if ok else 1
        return ok

    def exit_code(self) -> int:
        print(f"{self.name}: {self.failed} failed")
        return 1 if self.failed else 0
