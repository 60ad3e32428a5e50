"""Output folders and JSON files: created and checked before a run, written atomically."""
from __future__ import annotations

import json
import os
from pathlib import Path

from formcheck.core.errors import FormcheckError


def ensure_writable_dir(path: Path, option: str = "--out") -> Path:
    """Create ``path`` if needed and check it can be written; the advice names ``option``."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".formcheck-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise FormcheckError(f"Cannot write to the output folder {path}: {exc.strerror or exc}.",
                             f"Choose another folder with {option}.") from exc
    return path


def write_json(path: Path, data: dict) -> Path:
    """Write atomically: a reader never sees half a report."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
