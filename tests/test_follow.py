"""lmtrace.follow: whole lines only, through both rotation styles."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lmtrace.follow import Ended, Follower, Lines


def _lines(items: list[Lines | Ended]) -> list[tuple[int, int, str]]:
    """(generation, line number, text) of every line handed over."""
    out = []
    for it in items:
        if isinstance(it, Lines):
            for i, text in enumerate(it.chunk.data.decode().splitlines()):
                out.append((it.generation, it.chunk.first_line + i, text))
    return out


def _ended(items: list[Lines | Ended]) -> list[int]:
    return [it.generation for it in items if isinstance(it, Ended)]


def test_waits_for_a_missing_file_then_reads_it_from_its_start(tmp_path: Path) -> None:
    p = tmp_path / "a.log"
    f = Follower(str(p))
    assert f.poll() == [] and f.missing
    p.write_text("one\ntwo\n")
    assert _lines(f.poll()) == [(0, 1, "one"), (0, 2, "two")]
    f.close()


def test_starts_at_the_end_but_counts_the_lines_before(tmp_path: Path) -> None:
    p = tmp_path / "a.log"
    p.write_text("old 1\nold 2\npart")
    f = Follower(str(p))
    assert f.poll() == []
    with p.open("a") as w:
        w.write("ial\nnew\n")
    assert _lines(f.poll()) == [(0, 3, "partial"), (0, 4, "new")]
    f.close()


def test_from_start_and_a_line_cut_mid_write_waits_for_its_end(tmp_path: Path) -> None:
    p = tmp_path / "a.log"
    p.write_text("one\ntw")
    f = Follower(str(p), from_start=True)
    assert _lines(f.poll()) == [(0, 1, "one")]
    assert f.poll() == []
    with p.open("a") as w:
        w.write("o\n")
    assert _lines(f.poll()) == [(0, 2, "two")]
    # at a stop, a line still open is handed over as it stands
    with p.open("a") as w:
        w.write("thr")
    got = f.flush()
    assert _lines(got) == [(0, 3, "thr")] and _ended(got) == [0]
    f.close()


def test_rename_rotation_reads_the_old_file_to_its_end_first(tmp_path: Path) -> None:
    p = tmp_path / "a.log"
    p.write_text("")
    f = Follower(str(p), from_start=True)
    with p.open("a", buffering=1) as w:
        w.write("one\n")
        assert _lines(f.poll()) == [(0, 1, "one")]
        w.write("two\n")  # written after the last poll, before the rename
        os.rename(p, tmp_path / "a.log.1")
        w.write("three\n")  # the writer has not reopened yet
    (tmp_path / "a.log.2.gz").write_bytes(b"\x1f\x8b ignored")
    p.write_text("new one\n")
    got = f.poll()
    assert _lines(got) == [(0, 2, "two"), (0, 3, "three")]
    assert _ended(got) == [0]
    assert _lines(f.poll()) == [(1, 1, "new one")]
    f.close()


def test_copytruncate_reads_what_was_missed_from_the_copy(tmp_path: Path) -> None:
    p = tmp_path / "a.log"
    p.write_text("one\n")
    f = Follower(str(p), from_start=True)
    assert _lines(f.poll()) == [(0, 1, "one")]
    with p.open("a") as w:
        w.write("two\nthree\n")
    shutil.copyfile(p, tmp_path / "a.log.1")
    (tmp_path / "a.log.2.gz").write_bytes(b"\x1f\x8b")  # compressed: never read
    with p.open("r+") as w:
        w.truncate(0)
    with p.open("a") as w:
        w.write("four\n")
    got = f.poll()
    assert _lines(got) == [(0, 2, "two"), (0, 3, "three")]
    assert _ended(got) == [0]
    assert _lines(f.poll()) == [(1, 1, "four")]
    f.close()


def test_truncated_and_rewritten_past_the_old_size_is_a_new_generation(tmp_path: Path) -> None:
    p = tmp_path / "a.log"
    p.write_text("aaaa\n")
    f = Follower(str(p), from_start=True)
    assert _lines(f.poll()) == [(0, 1, "aaaa")]
    p.write_text("bbbbbbbbbb\n")  # truncated and rewritten between two polls, no copy
    got = f.poll()
    assert _ended(got) == [0]
    assert _lines(got + f.poll()) == [(1, 1, "bbbbbbbbbb")]
    f.close()


def test_a_fifo_ends_at_its_end_of_file(tmp_path: Path) -> None:
    p = tmp_path / "fifo"
    os.mkfifo(p)
    f = Follower(str(p), from_start=True)
    assert f.poll() == [] and not f.done  # no writer yet: not the end
    fd = os.open(p, os.O_WRONLY)
    os.write(fd, b"one\ntw")
    assert _lines(f.poll()) == [(0, 1, "one")]
    os.write(fd, b"o\n")
    os.close(fd)
    got = f.poll()
    assert _lines(got) == [(0, 2, "two")] and _ended(got) == [0] and f.done
    f.close()


def test_a_stop_right_after_a_rename_reads_the_new_file_too(tmp_path: Path) -> None:
    p = tmp_path / "a.log"
    p.write_text("one\n")
    f = Follower(str(p), from_start=True)
    assert _lines(f.poll()) == [(0, 1, "one")]
    os.rename(p, tmp_path / "a.log.1")
    p.write_text("two\nthr")
    got = f.flush()
    assert _lines(got) == [(1, 1, "two"), (1, 2, "thr")] and _ended(got) == [0, 1]
    f.close()
