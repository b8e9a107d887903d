"""What in the drop zone is read, and what is not (with the reason), without ever opening a file that is
not a regular file inside the drop zone (a FIFO would block, a device or a link out of the drop zone
could publish a system file).

Read: regular files named `*.csv` (any letter case) directly in a kind's folder, and links to such files
that stay inside the drop zone. Not read, and listed in `audit.source_files` with the reason: hidden
entries (`.name`), sub-folders, folders named `*.csv`, links that lead out of the drop zone or nowhere,
FIFOs, sockets, devices, other files (a spreadsheet gets "save it as CSV UTF-8"). An empty `.gitkeep`
(the repository's folder placeholder) is passed over without a word. Entries of the drop
zone itself that are not a kind's folder are listed too, by the ingest asset of the kind whose name is
closest (`did you mean ...?`), else by the first kind's.
"""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from schemas import KINDS

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")


class DropZoneMissing(Exception):
    """The drop zone or a kind's folder does not exist: the refresh must fail and publish nothing."""


@dataclass(frozen=True)
class NotRead:
    name: str  # as listed in audit.source_files: the file name, `name/` for a folder, `dir/name` at the root
    size_bytes: int
    reason: str
    sha256_path: Path | None = None  # a regular file whose content may be hashed (never read otherwise)


def check_drop_zone(raw_dir: Path, kind: str) -> None:
    if not raw_dir.is_dir():
        raise DropZoneMissing(
            f"The drop zone {raw_dir} does not exist (REVIEW_RAW_DIR): nothing was built or published; "
            f"create it with {', '.join(k + '/' for k in KINDS)} or point REVIEW_RAW_DIR at it."
        )
    if not (raw_dir / kind).is_dir():
        raise DropZoneMissing(
            f"The {kind} folder {raw_dir / kind} does not exist (drop zone REVIEW_RAW_DIR={raw_dir}): "
            f"nothing was built or published; create it (it may stay empty)."
        )


def did_you_mean(name: str) -> str | None:
    stem = name.lower().split(".")[0].strip()
    match = difflib.get_close_matches(stem, KINDS, n=1, cutoff=0.6)
    return match[0] if match else None


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
        return True
    except ValueError:
        return False


def _count_files(folder: Path) -> int:
    try:
        return sum(1 for e in os.scandir(folder) if not e.name.startswith("."))
    except OSError:
        return 0


def _classify(entry: os.DirEntry, raw_dir: Path, label: str) -> tuple[str, NotRead | None]:
    """("read", None) for a delivery to read; ("skip", NotRead) otherwise. Uses lstat only."""
    p = Path(entry.path)
    st = os.lstat(p)
    mode = st.st_mode
    if entry.name == ".gitkeep" and stat.S_ISREG(mode) and st.st_size == 0:
        return "quiet", None  # the empty placeholder that keeps a folder in git: nothing to report
    if entry.name.startswith("."):
        what = "folder" if stat.S_ISDIR(mode) else "file"
        return "skip", NotRead(label + ("/" if stat.S_ISDIR(mode) else ""), 0, f"hidden {what}: not read")
    if stat.S_ISLNK(mode):
        if not _inside(p, raw_dir):
            return "skip", NotRead(label, 0, "a link that leads out of the drop zone: not read")
        try:
            target = os.stat(p)
        except OSError:
            return "skip", NotRead(label, 0, "a link to nothing: not read")
        if not stat.S_ISREG(target.st_mode):
            return "skip", NotRead(label, 0, "a link to something that is not a regular file: not read")
        mode, st = target.st_mode, target
    if stat.S_ISDIR(mode):
        if p.suffix.lower() == ".csv":
            return "skip", NotRead(label + "/", 0, "a folder named like a CSV file: not read")
        return "skip", NotRead(
            label + "/", 0, f"a sub-folder ({_count_files(p)} entries): files in sub-folders are not read"
        )
    if stat.S_ISFIFO(mode):
        return "skip", NotRead(label, 0, "a FIFO (named pipe), not a regular file: not read")
    if stat.S_ISSOCK(mode):
        return "skip", NotRead(label, 0, "a socket, not a regular file: not read")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "skip", NotRead(label, 0, "a device, not a regular file: not read")
    if not stat.S_ISREG(mode):
        return "skip", NotRead(label, 0, "not a regular file: not read")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return "read", None
    if suffix in SPREADSHEETS:
        return "skip", NotRead(
            label, st.st_size, "a spreadsheet, not a CSV file: not read; save it as CSV UTF-8 (comma delimited)", p
        )
    return "skip", NotRead(label, st.st_size, "not a .csv file: not read", p)


def list_kind_folder(raw_dir: Path, kind: str) -> tuple[list[Path], list[NotRead]]:
    """(deliveries to read, sorted by name; entries not read) of one kind's folder."""
    folder = raw_dir / kind
    read: list[Path] = []
    skipped: list[NotRead] = []
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        verdict, info = _classify(e, raw_dir, e.name)
        if verdict == "read":
            read.append(Path(e.path))
        elif verdict == "skip":
            skipped.append(info)
    return read, skipped


def root_entries_for(raw_dir: Path, kind: str) -> list[NotRead]:
    """Entries of the drop zone itself that are not a kind's folder, for the kind that reports them."""
    out: list[NotRead] = []
    with os.scandir(raw_dir) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        if e.name in KINDS:
            continue
        close = did_you_mean(e.name)
        if (close or KINDS[0]) != kind:
            continue
        hint = f"; did you mean {close}?" if close else ""
        try:
            is_dir = stat.S_ISDIR(os.lstat(e.path).st_mode) and not e.name.startswith(".")
        except OSError:
            is_dir = False
        if is_dir and not os.path.islink(e.path):
            out.append(
                NotRead(
                    e.name + "/",
                    0,
                    f"a folder of the drop zone that is not an extract kind ({_count_files(Path(e.path))} entries): "
                    f"not read; extracts go in {', '.join(k + '/' for k in KINDS)}{hint}",
                )
            )
            continue
        verdict, info = _classify(e, raw_dir, e.name)
        if verdict == "quiet":
            continue
        reason = info.reason if info else "a file directly in the drop zone"
        if verdict == "read":
            reason = "a file directly in the drop zone: not read"
        out.append(
            NotRead(
                info.name if info else e.name,
                info.size_bytes if info else 0,
                f"{reason}; extracts go in {', '.join(k + '/' for k in KINDS)}{hint}",
            )
        )
    return out
