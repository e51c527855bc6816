#!/usr/bin/env python3
"""Regenerate every sample log in samples/ with lmtrace.synthetic (the log generator) and fixed options.

    python samples/make_samples.py            # rewrites samples/ in place
    python samples/make_samples.py /tmp/s     # writes the same files elsewhere

samples/README.md (written by hand) says what each file holds and what lmtrace should conclude;
each directory's manifest.json holds the same facts, machine-readable.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from lmtrace.synthetic import MigrationSpec, Options, generate, parse_offset  # noqa: E402
from lmtrace.synthetic.zos import MAPPERS_FIXED, ZosOptions, generate_zos  # noqa: E402

# the write-up's hosts: ndc27-3205 was the source (it sent _post.end), ndc27-3222 the destination
SRC, DST = "ndc27-3205", "ndc27-3222"

#: scenario directory -> (options, migrations)
SCENARIO_DIRS: dict[str, tuple[dict[str, object], list[MigrationSpec]]] = {
    "ok": ({}, [MigrationSpec("ok", 20, source=SRC, destination=DST, display_name="pdcmtest11")]),
    "stale": ({}, [MigrationSpec("stale", 20, source=SRC, destination=DST,
                                 display_name="pdcmtest12")]),
    "missed": ({}, [MigrationSpec("missed", 20, source=SRC, destination=DST,
                                  display_name="pdcmtest13")]),
    "lost": ({}, [MigrationSpec("lost", 20, source=SRC, destination=DST,
                                display_name="pdcmtest14")]),
    "discarded": ({}, [MigrationSpec("discarded", 20, source=SRC, destination=DST,
                                     display_name="pdcmtest15")]),
    "failed": ({}, [MigrationSpec("failed", 20, source=SRC, destination=DST,
                                  display_name="pdcmtest16")]),
    "aborted": ({}, [MigrationSpec("aborted", 20, source=SRC, destination=DST,
                                   display_name="pdcmtest17")]),
    "incomplete": ({}, [MigrationSpec("incomplete", 20, source=SRC, destination=DST,
                                      display_name="pdcmtest18")]),
    "norequest": ({}, [MigrationSpec("norequest", 20, source=SRC, destination=DST,
                                     display_name="pdcmtest19")]),
    "dictform": ({"dict_form_ratio": 1.0},
                 [MigrationSpec("stale", 20, source=SRC, destination=DST,
                                display_name="pdcmtest20")]),
    "rotated": ({}, [MigrationSpec("stale", 20, source=SRC, destination=DST,
                                   display_name="pdcmtest21"),
                     MigrationSpec("ok", 260, source=DST, destination="ndc27-3210",
                                   display_name="pdcmtest22")]),
    # last, so that the seeds of the others stay as they were: the Zenoss host's clock
    # 3 s behind, so that zenpython queues events "before" Nova generated them
    "skew": ({"zenpython_skew": -3.0},
             [MigrationSpec("stale", 20, source=SRC, destination=DST, display_name="pdcmtest23")]),
    # the other operations that move a VM (after the others, so that their seeds stay as they were)
    "resize-stale": ({}, [MigrationSpec("resize-stale", 60, source=SRC, destination=DST,
                                        display_name="pdcmtest24")]),
    "resize-ok": ({}, [MigrationSpec("resize-ok", 60, source=SRC, destination=DST,
                                     display_name="pdcmtest25")]),
    "resize-reverted": ({}, [MigrationSpec("resize-reverted", 60, source=SRC, destination=DST,
                                           display_name="pdcmtest26")]),
    "evacuate-ok": ({}, [MigrationSpec("evacuate-ok", 60, source=SRC, destination=DST,
                                       display_name="pdcmtest27")]),
    "unshelve-missed": ({}, [MigrationSpec("unshelve-missed", 60, source=SRC, destination=DST,
                                           display_name="pdcmtest28")]),
}

#: the operations the released 2.x maps get wrong; samples/maps/fixed.toml fixes them all
FIXED_OPERATIONS = ("live-migration", "resize", "unshelve")


def fixed_map_text() -> str:
    """samples/maps/fixed.toml: the built-in osi-2.x map (its compute.instance.* entries) with
    the recommended mapping change applied for every operation it gets wrong."""
    from lmtrace.handlers import builtin_map, fixed_handlers

    handlers = fixed_handlers(builtin_map("osi-2.x"), FIXED_OPERATIONS)
    lines = [
        "# The ZenPack's released 2.x map (tag 2.4.2, compute.instance.* entries) with lmtrace's",
        "# recommended mapping change applied for live migration, resize and unshelve: the host is",
        "# written only by the phase that carries the right final host. Written by",
        "# samples/make_samples.py; event type = handler name, \"\" means mapped to no handler.",
    ]
    lines += [f'"{k}" = "{h or ""}"' for k, h in handlers.items() if k.startswith("compute.instance.")]
    return "\n".join(lines) + "\n"


def _main_pair(out: Path) -> None:
    """The demo pair: five completed migrations, #3 and #4 concurrent, hosts in two zones."""
    specs = [
        # the write-up's bug: the handler on _post.end writes the source back; one dict pretty
        MigrationSpec("stale", 15, source=SRC, destination=DST, display_name="pdcmtest",
                      pretty=("post.dest.end",), copy_seconds=42),
        # a destination compute.instance.update after _post.end puts it right
        MigrationSpec("ok", 160, source="ndc27-3207", destination="ndc27-3211",
                      display_name="pdcmtest2", copy_seconds=18),
        # two at once, between the same pair of hosts in opposite directions
        MigrationSpec("stale", 330, source="ndc27-3211", destination="ndc27-3214",
                      display_name="pdcmtest3", copy_seconds=35),
        MigrationSpec("stale", 333.5, source="ndc27-3214", destination="ndc27-3211",
                      display_name="pdcmtest4", copy_seconds=31),
        # stale, corrected minutes later by a destination update (corrected_by)
        MigrationSpec("stale", 560, source=DST, destination=SRC, display_name="pdcmtest5",
                      corrected=True, copy_seconds=12),
    ]
    generate(Options(seed=2017, collector_tz=parse_offset("+08:00"),
                     zenpython_tz=parse_offset("+01:00"), noise_ratio=0.12,
                     start="2017-01-23T06:00:00", out=str(out)), specs)


def _rotate(d: Path) -> None:
    """Split collector.log into collector.log.2.gz (oldest), collector.log.1, collector.log."""
    lines = (d / "collector.log").read_text(encoding="utf-8").splitlines(keepends=True)
    a, b = len(lines) // 3, 2 * len(lines) // 3
    parts = [("collector.log.2.gz", lines[:a]), ("collector.log.1", lines[a:b]),
             ("collector.log", lines[b:])]
    starts = {"collector.log.2.gz": 0, "collector.log.1": a, "collector.log": b}
    for name, chunk in parts:
        data = "".join(chunk).encode("utf-8")
        if name.endswith(".gz"):
            (d / name).write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        else:
            (d / name).write_bytes(data)
    man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    for m in man["migrations"]:
        for e in m["events"]:
            n = e["collector_line"]
            name = "collector.log" if n > b else "collector.log.1" if n > a else \
                "collector.log.2.gz"
            e["collector_file"] = name
            e["collector_file_line"] = n - starts[name]
    man["files"]["rotated"] = {name: len(chunk) for name, chunk in parts}
    (d / "manifest.json").write_text(json.dumps(man, indent=1) + "\n", encoding="utf-8")


# The 3.x/4.x path (ZenPack 3.0 on): zenopenstack.log and the notification agent's log,
# constructed from the format strings (no public zenopenstack log exists).
C1, C2, C3 = "compute-01", "compute-02", "compute-03"
ZOS_DIRS: dict[str, tuple[dict[str, object], list[MigrationSpec]]] = {
    # the 3.x map: every migration stale; TRACE bodies for the first two only, so the third's
    # destination is unknown (stale all the same: _post.end's Mapped line wrote the source)
    "stale": ({"trace": (0.0, 300.0)},
              [MigrationSpec("stale", 20, source=C1, destination=C2, display_name="web-01"),
               MigrationSpec("stale", 200, source=C2, destination=C3, display_name="web-02"),
               MigrationSpec("stale", 400, source=C3, destination=C1, display_name="web-03")]),
    # the ZenPack with the fix (instance_update on post.dest.end): ok under fixed-map.toml
    "fixed": ({"mappers": dict(MAPPERS_FIXED)},
              [MigrationSpec("stale", 20, source=C1, destination=C2, display_name="web-11"),
               MigrationSpec("stale", 200, source=C2, destination=C3, display_name="web-12")]),
    # zenopenstack at INFO (its default): nothing but ERROR lines; the publisher's bodies say
    # what Zenoss would do
    "info": ({"debug": False},
             [MigrationSpec("stale", 20, source=C1, destination=C2, display_name="web-21"),
              MigrationSpec("ok", 200, source=C2, destination=C3, display_name="web-22"),
              # at INFO, zenopenstack still logs its ERROR lines: a handler that raised
              MigrationSpec("discarded", 400, source=C3, destination=C1, display_name="web-23")]),
    # events lost on the way: a post refused with HTTP 502, a handler that raised
    "lost": ({},
             [MigrationSpec("lost", 20, source=C1, destination=C2, display_name="web-31"),
              MigrationSpec("discarded", 200, source=C2, destination=C3, display_name="web-32")]),
    # the other operations under the 3.x map (domain.md, "Other operations"): resize.end
    # (source) last is stale, finish_resize.end last ok, a revert ends on the source (ok),
    # unshelve is mapped by no release (missed), evacuate's rebuild writes the new host (ok)
    # (short host names: its longer phase names keep the text report within its width)
    "ops": ({},
            [MigrationSpec("resize-stale", 20, source="cmp-1", destination="cmp-2", display_name="web-41"),
             MigrationSpec("resize-ok", 400, source="cmp-2", destination="cmp-3", display_name="web-42"),
             MigrationSpec("resize-reverted", 800, source="cmp-3", destination="cmp-1", display_name="web-43"),
             MigrationSpec("unshelve-missed", 1200, source="cmp-1", destination="cmp-3", display_name="web-44"),
             MigrationSpec("evacuate-ok", 1600, source="cmp-2", destination="cmp-1", display_name="web-45")]),
}

FIXED_MAP = """\
# The ZenPack 3.x/4.x MAPPERS entries a live migration meets, with the fix:
# instance_update on post.dest.end (the destination), none on _post.end (the source).
"compute.instance.live_migration.post.dest.end" = "instance_update"
"compute.instance.live_migration._post.end" = ""
"compute.instance.update" = "instance_update_status"
"""


def make_zos(out: Path) -> None:
    for seed, (name, (extra, specs)) in enumerate(ZOS_DIRS.items(), start=300):
        d = out / "zenopenstack" / name
        opts = ZosOptions(seed=seed, out=str(d))
        for k, v in extra.items():
            setattr(opts, k, v)
        generate_zos(opts, specs)
        if name == "fixed":
            (d / "fixed-map.toml").write_text(FIXED_MAP, encoding="utf-8")


def make(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "maps").mkdir(exist_ok=True)
    (out / "maps" / "fixed.toml").write_text(fixed_map_text(), encoding="utf-8")
    _main_pair(out)
    for seed, (name, (extra, specs)) in enumerate(SCENARIO_DIRS.items(), start=100):
        d = out / "scenarios" / name
        opts = Options(seed=seed, collector_tz=parse_offset("+08:00"),
                       zenpython_tz=parse_offset("+01:00"), start="2017-01-23T09:00:00",
                       background_max_gap=150.0, out=str(d))
        for k, v in extra.items():
            setattr(opts, k, v)
        generate(opts, specs)
        if name == "rotated":
            _rotate(d)
    make_zos(out)


if __name__ == "__main__":
    make(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"samples written to {sys.argv[1] if len(sys.argv) > 1 else HERE}", file=sys.stderr)
