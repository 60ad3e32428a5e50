"""Append-only JSON Lines log, flushed and synced line by line.

Whatever happens to the process (Ctrl-C, a crash, a kill), every line written before it is on
disk and readable; a reader skips at most one torn last line.
"""
from __future__ import annotations

import json
import os
from pathlib import Path


class JsonlLog:
    def __init__(self, path: Path, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._fh = None

    def __enter__(self) -> JsonlLog:
        self._fh = open(self.path, "a", encoding="utf-8")
        return self

    def write(self, record: dict) -> None:
        self._fh.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._fh.flush()
        if self.fsync:
            os.fsync(self._fh.fileno())

    def __exit__(self, *exc) -> None:
        if self._fh:
            self._fh.close()
            self._fh = None


def read_jsonl(path: Path) -> list[dict]:
    """All complete records; a torn final line (process killed mid-write) is skipped."""
    records = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records
