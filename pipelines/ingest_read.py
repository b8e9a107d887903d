"""Reading one delivery file as text records, with bounded memory whatever the file holds.

`read_records(path)` returns the header as written and a frame of the file's non-blank records:
`__row` (the CSV record number, header = 1), `__fields` (the record's field count, quote-aware), `__f<i>`
(the i-th field as text, empty = null) and `__problem` (null, or why the record could not be read:
`unclosed_quote`, `record_too_long`). Limits (README, "Decisions"):

- MAX_COLUMNS columns in the header: a wider header rejects the file, with the count.
- MAX_RECORD_BYTES per physical line: a longer line is one bad record (`record_too_long`); it is skipped
  without being held in memory, and reading goes on at the next line.
- MAX_RECORD_LINES physical lines per record: a quoted field still open after that many lines, or at the
  end of the file, is an unclosed quote. The record where it opened is one bad record (`unclosed_quote`)
  and reading resumes at the next line, so the records after it are read as usual.

The fast path reads the file with polars when every line is one record (quotes balanced on each line),
no line is over the limit and lines are not mostly blank (at least 16 bytes a line on average). Otherwise a streaming reader groups lines into records
itself and parses them with the standard library in batches.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from dataclasses import dataclass

import polars as pl

MAX_COLUMNS = 1000
MAX_RECORD_BYTES = 1 << 20  # 1 MiB
MAX_RECORD_LINES = 200
_CHUNK = 1 << 24  # 16 MiB
_BATCH = 100_000  # records per frame in the streaming reader
MIN_MEAN_LINE_BYTES = 16  # fewer bytes per line on average (mostly blank lines): the streaming reader


class FileRejected(Exception):
    """The file cannot be read as the contract says; the message tells a person what to fix."""


@dataclass
class _Scan:
    lines: int = 0  # physical lines
    size: int = 0
    long_lines: int = 0  # lines that may be longer than MAX_RECORD_BYTES (see _scan)
    first_line: bytes = b""  # at most MAX_RECORD_BYTES + 1 bytes of it
    first_line_bytes: int = 0
    first_line_commas: int = 0


def _scan(path) -> _Scan:
    """One streaming pass: the whole file decodes as UTF-8 (the first bad byte is reported with its line
    number), and the shape figures that choose the reader. Memory: one chunk at a time."""
    dec = codecs.getincrementaldecoder("utf-8")()
    s = _Scan()
    run = 0  # bytes of the current line so far (across chunks)
    in_first = True
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as e:
                line = s.lines + 1 + chunk.count(b"\n", 0, e.start)
                raise FileRejected(
                    f"not UTF-8: byte 0x{chunk[e.start]:02X} on line {line} cannot be decoded; "
                    "re-export the file as UTF-8 (a BOM is allowed)"
                ) from None
            if in_first:
                end = chunk.find(b"\n")
                head = chunk if end < 0 else chunk[:end]
                if len(s.first_line) <= MAX_RECORD_BYTES:
                    s.first_line += head[: MAX_RECORD_BYTES + 1 - len(s.first_line)]
                s.first_line_commas += head.count(b",")
                s.first_line_bytes += len(head)
                in_first = end < 0
            s.size += len(chunk)
            newlines = chunk.count(b"\n")
            if not newlines:
                run += len(chunk)
                s.long_lines += run > MAX_RECORD_BYTES
                continue
            # C-level work only (no Python loop per line). A line longer than MAX_RECORD_BYTES contains
            # a whole aligned block of half that size without a line end: a few `find`s per chunk. Lines
            # between half and the whole limit may be flagged too: the exact streaming reader decides.
            first_end = chunk.find(b"\n")
            s.long_lines += (run + first_end) > MAX_RECORD_BYTES
            half = MAX_RECORD_BYTES // 2
            for a in range(0, len(chunk), half):
                if a + half <= len(chunk) and chunk.find(b"\n", a, a + half) < 0:
                    s.long_lines += 1
                    break
            s.lines += newlines
            run = len(chunk) - chunk.rfind(b"\n") - 1
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRejected("not UTF-8: the file ends inside a multi-byte character") from None
    if run:  # a last line without a line end
        s.lines += 1
        s.long_lines += run > MAX_RECORD_BYTES
    return s


def _header_of(scan: _Scan) -> list[str]:
    if scan.first_line_bytes > MAX_RECORD_BYTES:
        raise FileRejected(
            f"the header line is longer than {MAX_RECORD_BYTES // (1 << 20)} MiB "
            f"({scan.first_line_commas + 1} fields or more): this is not an extract's header; "
            f"an extract has at most {MAX_COLUMNS} columns"
        )
    text = scan.first_line.decode("utf-8").lstrip("\ufeff").rstrip("\r")
    if text.strip(" \t") == "":
        raise FileRejected("no header row: the first line of the file is empty")
    try:
        header = next(csv.reader([text], strict=False))
    except (csv.Error, StopIteration):
        raise FileRejected("not CSV: the header line cannot be read as CSV") from None
    if len(header) > MAX_COLUMNS:
        raise FileRejected(
            f"the header has {len(header)} columns, more than the limit of {MAX_COLUMNS}: "
            "this is not an extract's header; check that the right file was exported"
        )
    return header


def read_records(path) -> tuple[list[str], pl.DataFrame]:
    """Read a delivery as text: (header names as written, frame of its non-blank records; see above)."""
    if path.stat().st_size == 0:
        raise FileRejected("empty file: no header row; a file needs at least the header line")
    scan = _scan(path)
    header = _header_of(scan)
    n = len(header)
    # Mostly blank lines (10 million line ends in 10 MB) would cost a frame row each in the fast path.
    if scan.long_lines or scan.size < MIN_MEAN_LINE_BYTES * scan.lines:
        return header, _streaming_records(path, n)
    fast = _polars_records(path, n)
    return header, fast if fast is not None else _streaming_records(path, n)


def _empty_frame(n: int) -> pl.DataFrame:
    return pl.DataFrame(schema=_schema(n))


def _schema(n: int) -> dict[str, pl.DataType]:
    return {
        "__row": pl.Int64,
        "__fields": pl.Int64,
        "__problem": pl.String,
        "__lines": pl.Int64,
        **{f"__f{i}": pl.String for i in range(n)},
    }


def _polars_records(path, n: int) -> pl.DataFrame | None:
    """Every line one record: polars reads the file twice (as lines, to count fields; and as CSV).
    None when a line's quotes are unbalanced (a quoted field spans lines) or the readers disagree."""
    try:
        lines = pl.read_csv(
            path,
            has_header=False,
            quote_char=None,
            separator="\x1f",
            infer_schema=False,
            new_columns=["line"],
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except Exception:  # noqa: BLE001 - the streaming reader decides what is wrong
        return None
    line = lines["line"]
    if not (line.fill_null("").str.count_matches('"') % 2 == 0).all():
        return None
    body = line.slice(1)
    fields = body.fill_null("").str.replace_all(r'"[^"]*"', "").str.count_matches(",").cast(pl.Int64) + 1
    fields = pl.select(pl.when(body.is_null()).then(0).otherwise(fields).alias("__fields")).to_series()
    del lines, line, body
    try:
        df = pl.read_csv(
            path,
            has_header=False,
            skip_rows=1,
            infer_schema=False,
            truncate_ragged_lines=True,
            new_columns=[f"__f{i}" for i in range(n)],
            raise_if_empty=False,
            missing_columns="insert",
            schema={f"__f{i}": pl.String for i in range(n)},
        )
    except Exception:  # noqa: BLE001 - e.g. a first record wider than the header: a bad row, not a bad file
        return None
    if df.height != fields.len():
        return None
    df = df.with_columns(
        fields,
        pl.int_range(2, df.height + 2, dtype=pl.Int64).alias("__row"),
        pl.lit(None, pl.String).alias("__problem"),
        pl.lit(1, pl.Int64).alias("__lines"),
    ).filter(pl.col("__fields") > 0)
    return df.select(list(_schema(n)))


def _lines(f):
    """Physical lines (with their ends), each at most MAX_RECORD_BYTES characters; a longer line is
    yielded as None after its rest is skipped (never held whole)."""
    while True:
        line = f.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_RECORD_BYTES and not line.endswith("\n"):
            while (more := f.readline(MAX_RECORD_BYTES)) and not more.endswith("\n"):
                pass
            yield None
            continue
        yield line


def _records(f):
    """(kind, lines) per record of the file after the header: kind is "record", "blank",
    "unclosed_quote" or "record_too_long". A record is a run of lines that ends outside quotes
    (RFC 4180: a quote toggles quoting, `""` toggles twice)."""
    src = _lines(f)
    pending: deque = deque()
    buf: list[str] = []
    in_quote = False
    while True:
        if pending:
            line = pending.popleft()
        else:
            line = next(src, StopIteration)
            if line is StopIteration:
                break
        if line is None:  # an over-long line: the record it belongs to cannot be read
            yield "record_too_long", buf + [""]
            buf, in_quote = [], False
            continue
        buf.append(line)
        if line.count('"') % 2:
            in_quote = not in_quote
        if not in_quote:
            yield ("blank", buf) if len(buf) == 1 and line.strip("\r\n") == "" else ("record", buf)
            buf = []
        elif len(buf) > MAX_RECORD_LINES:
            yield "unclosed_quote", buf[:1]
            pending.extendleft(reversed(buf[1:]))
            buf, in_quote = [], False
    if buf:  # the end of the file inside a quoted field
        yield "unclosed_quote", buf[:1]
        rest = buf[1:]
        buf, in_quote = [], False
        # the lines after the record where the quote opened are read again as records
        yield from _records_from(rest)


def _records_from(lines: list[str]):
    return _records(io.StringIO("".join(lines)))


def _streaming_records(path, n: int) -> pl.DataFrame:
    frames: list[pl.DataFrame] = []
    cols: list[list] = [[] for _ in range(n)]
    rows: list[int] = []
    nfields: list[int] = []
    problems: list[str | None] = []
    nlines: list[int] = []

    def flush():
        if rows:
            frames.append(
                pl.DataFrame(
                    {
                        "__row": pl.Series(rows, dtype=pl.Int64),
                        "__fields": pl.Series(nfields, dtype=pl.Int64),
                        "__problem": pl.Series(problems, dtype=pl.String),
                        "__lines": pl.Series(nlines, dtype=pl.Int64),
                        **{f"__f{i}": pl.Series(c, dtype=pl.String) for i, c in enumerate(cols)},
                    }
                )
            )
            for c in cols:
                c.clear()
            rows.clear(), nfields.clear(), problems.clear(), nlines.clear()

    with open(path, newline="", encoding="utf-8-sig") as f:
        f.readline(MAX_RECORD_BYTES + 1)  # the header (already read and checked)
        record_no = 1
        for kind, lines in _records(f):
            record_no += 1
            if kind == "blank":
                continue
            fields: list[str] = []
            problem = None if kind == "record" else kind
            if problem is None:
                parsed = (
                    list(csv.reader(["".join(lines)], strict=False))
                    if len(lines) == 1
                    else list(csv.reader(io.StringIO("".join(lines)), strict=False))
                )
                if len(parsed) == 1:
                    fields = parsed[0]
                else:  # the standard reader splits it differently: not one record
                    problem = "unclosed_quote"
            rows.append(record_no)
            nfields.append(len(fields) if problem is None else 0)
            problems.append(problem)
            nlines.append(len(lines))
            for i in range(n):
                v = fields[i] if i < len(fields) else None
                cols[i].append(v if v != "" else None)
            if len(rows) >= _BATCH:
                flush()
    flush()
    if not frames:
        return _empty_frame(n)
    return pl.concat(frames).select(list(_schema(n)))
