"""Fenced code blocks of the documentation, with the markers that steer the docs test.

See ``tests/docs/test_docs.py`` for the conventions; this module only finds the blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: ``<!-- docs-test: skip — reason -->`` (an en dash, em dash, hyphen or colon before the reason).
_SKIP = re.compile(r"^<!--\s*docs-test:\s*skip\s*[\u2014\u2013:-]+\s*(?P<reason>.*?)\s*-->$")
_AUTH = re.compile(r"^<!--\s*docs-test:\s*auth\s*-->$")
_MARKER = re.compile(r"^<!--\s*docs-test:")
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")

SHELL = frozenset({"bash", "sh", "shell", "console", "zsh"})
PYTHON = frozenset({"python", "py", "python3"})


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its language and text, and its markers."""

    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    skip: str | None = None  # the stated reason, when marked to be skipped
    auth: bool = False  # runs against the server that requires tokens

    @property
    def id(self) -> str:
        """``docs/sdk.md:12`` (what pytest shows)."""
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"

    def commands(self) -> str:
        """The shell text to run: for ``console`` blocks only the ``$ `` lines (and their
        continuation lines), other lines being the output they print."""
        if self.lang != "console":
            return self.text
        out: list[str] = []
        continued = False
        for line in self.text.splitlines():
            if line.startswith("$ ") or continued:
                out.append(line[2:] if line.startswith("$ ") and not continued else line)
                continued = line.endswith("\\")
        return "\n".join(out) + "\n"


def documents() -> list[Path]:
    """README.md and every Markdown file under docs/, in a stable order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(path: Path) -> list[Block]:
    """Every fenced block of one Markdown file, in order.

    Raises:
        ValueError: a ``docs-test`` marker that is malformed (a skip without a reason)
            or that does not stand directly above a fence, or a fence left open.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            marker = lines[i].strip()
            if _MARKER.match(marker):
                following = lines[i + 1] if i + 1 < len(lines) else ""
                if _FENCE.match(following) is None:
                    raise ValueError(
                        f"{path}:{i + 1}: a docs-test marker must stand directly above a fence"
                    )
                if not (_SKIP.match(marker) and _SKIP.match(marker)["reason"]) and not _AUTH.match(
                    marker
                ):
                    raise ValueError(
                        f"{path}:{i + 1}: write `<!-- docs-test: skip — "
                        f"reason -->` or `<!-- docs-test: auth -->`: {marker}"
                    )
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        lang = opening["info"].strip().split(" ")[0].lower()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            line = lines[j]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            j += 1
        if j == len(lines):
            raise ValueError(f"{path}:{i + 1}: the fence is never closed")
        above = lines[i - 1].strip() if i > 0 else ""
        skip = _SKIP.match(above)
        found.append(
            Block(
                path,
                i + 1,
                lang,
                "\n".join(body) + "\n",
                skip=skip["reason"] if skip else None,
                auth=bool(_AUTH.match(above)),
            )
        )
        i = j + 1
    return found


def all_blocks() -> list[Block]:
    """The blocks of every document."""
    return [b for path in documents() for b in blocks(path)]
