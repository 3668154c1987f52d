"""Transcript helper shared by the proof scripts: numbered steps, a final verdict."""

from __future__ import annotations

import sys
from collections.abc import Callable


class Transcript:
    """Collects steps; ``finish`` prints the verdict and returns the exit status."""

    def __init__(self, title: str, statement: str) -> None:
        self.failures: list[str] = []
        print(title)
        print("=" * len(title))
        print(statement.strip())

    def section(self, name: str) -> None:
        print(f"\n{name}")

    def step(self, name: str, ok: bool, detail: str = "") -> None:
        print(f"  [{'ok' if ok else 'FAILED'}] {name}" + (f": {detail}" if detail else ""))
        if not ok:
            self.failures.append(name)

    def finish(self, claim: str) -> int:
        if self.failures:
            print(f"\nFAILED steps: {self.failures}")
            return 1
        print(f"\n{claim} CHECKED: every step holds.")
        return 0


def run(main: Callable[[], int]) -> None:
    sys.exit(main())
