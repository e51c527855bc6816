"""Handler maps: built-in tables, the events.py / TOML readers and the fix.

Fixtures under tests/data/handler_maps/ are synthetic, short Python 2 files
in each historical shape of the ZenPack's events.py (written for these
tests, not copied from the ZenPack), plus TOML maps and broken files.
"""

from __future__ import annotations

import ast
import dataclasses
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lmtrace.handlers as handlers_package
from lmtrace.errors import HandlerMapError
from lmtrace.handlers import (
    BUILTIN_MAPS,
    DEFAULT_MAP,
    MAX_MAP_BYTES,
    HandlerMap,
    MapShape,
    builtin_map,
    load_handler_map,
    recommended_change,
)

DATA = Path(__file__).parent / "data" / "handler_maps"
LM = "compute.instance.live_migration."
HINT = 'give a TOML map instead ("event.type" = "handler", one per line)'


def path(name: str) -> str:
    return str(DATA / name)


# -- built-in maps -------------------------------------------------------------

# (map, event type, handler): the live-migration phases as domain.md states them,
# and the context handlers that also write the host.
BUILTIN_ROWS = [
    ("osi-2.x", LM + "_post.end", "instance_update"),
    ("osi-2.x", LM + "post.dest.end", None),
    ("osi-2.x", LM + "pre.start", None),
    ("osi-2.x", LM + "pre.end", None),
    ("osi-2.x", LM + "post.dest.start", None),
    ("osi-2.x", LM + "_post.start", None),
    ("osi-2.x", "compute.instance.update", "instance_update_status"),
    ("osi-2.x", "compute.instance.power_off.start", "instance_powering_off"),
    ("osi-2.x", "compute.instance.power_off.end", "instance_powered_off"),
    ("osi-2.x", "compute.instance.power_on.end", "instance_powered_on"),
    ("osi-2.x", "compute.instance.reboot.end", "instance_rebooted"),
    ("osi-2.x", "compute.instance.resize.revert.end", "instance_update"),
    ("osi-2.x", "compute.instance.delete.end", "instance_delete"),
    ("osi-2.x", "compute.instance.exists", None),
    ("osi-2.x", "port.update.end", "port_update"),
    ("osi-2.x", "openstack|compute.instance.live_migration._post.end", "instance_update"),
    ("osi-2.x", "openstack-compute.instance.update", "instance_update_status"),
    ("osi-2.x", "instance.live_migration_post_dest.end", None),  # versioned: unmapped
    ("osi-2.x-pr401", LM + "post.dest.end", "instance_update"),
    ("osi-2.x-pr401", LM + "_post.end", None),
    ("osi-2.x-pr401", "compute.instance.update", "instance_update_status"),
    ("osi-2.x-pr401", "compute.instance.power_on.end", "instance_powered_on"),
    ("osi-3.x", LM + "_post.end", "instance_update"),
    ("osi-3.x", LM + "post.dest.end", None),
    ("osi-3.x", LM + "pre.end", None),
    ("osi-3.x", "compute.instance.update", "instance_update_status"),
    ("osi-3.x", "compute.instance.power_off.end", "instance_powered_off"),
    ("osi-3.x", "compute.instance.power_off.start", None),  # 3.x dropped the *.start ones
    ("osi-3.x", "openstack-compute.instance.reboot.end", "instance_rebooted"),
]


@pytest.mark.parametrize(("name", "event_type", "handler"), BUILTIN_ROWS)
def test_builtin_handler_for(name: str, event_type: str, handler: str | None) -> None:
    assert builtin_map(name).handler_for(event_type) == handler


@pytest.mark.parametrize(
    ("name", "shape", "size"),
    [
        ("osi-2.x", MapShape.DICT_2X, 127),
        ("osi-2.x-pr401", MapShape.DICT_2X, 127),
        ("osi-3.x", MapShape.MAPPERS_3X, 44),
    ],
)
def test_builtin_identity(name: str, shape: MapShape, size: int) -> None:
    hmap = BUILTIN_MAPS[name]
    assert (hmap.name, hmap.source, hmap.shape) == (name, "builtin", shape)
    assert len(hmap.handlers) == size
    assert all(not k.startswith("openstack") for k in hmap.handlers)


def test_default_map_is_every_released_2x() -> None:
    assert DEFAULT_MAP == "osi-2.x"
    assert list(BUILTIN_MAPS) == ["osi-2.x", "osi-2.x-pr401", "osi-3.x"]


def test_pr401_differs_from_2x_only_in_the_fix() -> None:
    old, new = BUILTIN_MAPS["osi-2.x"].handlers, BUILTIN_MAPS["osi-2.x-pr401"].handlers
    changed = {k: (old[k], new[k]) for k in old if old[k] != new[k]}
    assert changed == {
        LM + "post.dest.end": (None, "instance_update"),
        LM + "_post.end": ("instance_update", None),
    }


def test_3x_has_no_none_entries() -> None:
    assert None not in BUILTIN_MAPS["osi-3.x"].handlers.values()


# (map, handler, writes_host, assumed)
WRITER_ROWS = [
    ("osi-2.x", "instance_update", True, False),
    ("osi-2.x", "instance_update_status", True, False),
    ("osi-2.x", "instance_powered_on", True, False),
    ("osi-2.x", "instance_rebooting", True, False),
    ("osi-2.x", "instance_unrescue", True, False),
    ("osi-2.x", "instance_create", True, False),
    ("osi-2.x", "instance_delete", False, False),
    ("osi-2.x", "instance_powering_on", False, False),
    ("osi-2.x", "instance_volume_attach", False, False),
    ("osi-2.x", "port_update", False, False),
    ("osi-2.x", "my_own_handler", True, True),
    ("osi-3.x", "instance_update", True, False),
    ("osi-3.x", "instance_delete", False, False),
    ("osi-3.x", "volume_update", False, False),
    ("osi-3.x", "instance_powering_on", True, True),  # not a 3.x handler
]


@pytest.mark.parametrize(("name", "handler", "writes", "assumed"), WRITER_ROWS)
def test_builtin_writes_host(name: str, handler: str, writes: bool, assumed: bool) -> None:
    hmap = builtin_map(name)
    assert (hmap.writes_host(handler), hmap.is_assumed(handler)) == (writes, assumed)


@pytest.mark.parametrize("name", list(BUILTIN_MAPS))
def test_builtin_handlers_are_all_known(name: str) -> None:
    hmap = BUILTIN_MAPS[name]
    used = {h for h in hmap.handlers.values() if h}
    assert not hmap.host_writers & hmap.non_writers
    assert [h for h in sorted(used) if hmap.is_assumed(h)] == []


def test_builtin_map_is_case_insensitive() -> None:
    assert builtin_map(" OSI-3.x ") is BUILTIN_MAPS["osi-3.x"]


def test_builtin_map_unknown() -> None:
    with pytest.raises(HandlerMapError) as e:
        builtin_map("osi-4")
    assert str(e.value) == (
        "'osi-4': no such built-in handler map; use one of osi-2.x, osi-2.x-pr401, osi-3.x, "
        "or give a ZenPack events.py or TOML map"
    )


def test_handler_map_is_frozen() -> None:
    hmap = builtin_map("osi-2.x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        hmap.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        hmap.handlers["compute.instance.update"] = None  # type: ignore[index]


def test_handler_map_defaults() -> None:
    hmap = HandlerMap(name="m", source="builtin", shape=MapShape.TOML, handlers={"a.b": "h"})
    assert (hmap.writes_host("h"), hmap.is_assumed("h")) == (True, True)
    assert hmap.handler_for("a.c") is None


# -- recommended change --------------------------------------------------------

FIX_2X = """\
    'openstack|compute.instance.live_migration.pre.start': (instance_id, None),
    'openstack|compute.instance.live_migration.pre.end': (instance_id, None),
    'openstack|compute.instance.live_migration.post.dest.start': (instance_id, None),
    'openstack|compute.instance.live_migration.post.dest.end': (instance_id, instance_update),
    'openstack|compute.instance.live_migration._post.start': (instance_id, None),
    'openstack|compute.instance.live_migration._post.end': (instance_id, None),
"""
FIX_3X = """\
    # remove: 'compute.instance.live_migration._post.end': instance_update,
    'compute.instance.live_migration.post.dest.end': instance_update,
"""
FIX_2014 = """\
    'compute.instance.live_migration.pre.start': None,
    'compute.instance.live_migration.pre.end': None,
    'compute.instance.live_migration.post.dest.start': None,
    'compute.instance.live_migration.post.dest.end': instance_update,
    'compute.instance.live_migration._post.start': None,
    'compute.instance.live_migration._post.end': None,
"""
FIX_TOML = """\
"compute.instance.live_migration.pre.start" = ""
"compute.instance.live_migration.pre.end" = ""
"compute.instance.live_migration.post.dest.start" = ""
"compute.instance.live_migration.post.dest.end" = "instance_update"
"compute.instance.live_migration._post.start" = ""
"compute.instance.live_migration._post.end" = ""
"""
FIX_FOREIGN = """\
    # remove: 'compute.instance.live_migration.pre.end': my_handler,
    'compute.instance.live_migration.post.dest.end': instance_update,
"""


@pytest.mark.parametrize(
    ("name", "expected"),
    [("osi-2.x", FIX_2X), ("osi-2.x-pr401", None), ("osi-3.x", FIX_3X)],
)
def test_recommended_change_builtin(name: str, expected: str | None) -> None:
    assert recommended_change(builtin_map(name)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mappers_2014.py", FIX_2014),
        ("osi_2x_dict.py", FIX_2X),
        ("mappers_3x.py", FIX_3X),
        ("fix.toml", FIX_TOML),  # post.dest.end is right, but pre.end has an unknown handler
        ("foreign_handlers.py", FIX_FOREIGN),
        ("renamed_dict.py", None),
        ("indent_error.py", None),
    ],
)
def test_recommended_change_file(name: str, expected: str | None) -> None:
    assert recommended_change(load_handler_map(path(name))) == expected


def test_recommended_change_matches_pr401(tmp_path: Path) -> None:
    # Pasting the 2.x snippet into a 2.x MAPPERS gives the PR #401 map.
    target = tmp_path / "events.py"
    target.write_text("MAPPERS = {\n" + FIX_2X + "}\n")
    patched = load_handler_map(str(target))
    pr401 = builtin_map("osi-2.x-pr401")
    assert {k: pr401.handler_for(k) for k in patched.handlers} == dict(patched.handlers)


def test_recommended_change_without_any_live_migration_entry() -> None:
    hmap = load_handler_map(path("latin1.py"))
    expected = "    'compute.instance.live_migration.post.dest.end': instance_update,\n"
    assert recommended_change(hmap) == expected


# -- reading events.py ---------------------------------------------------------


@pytest.mark.parametrize("name", ["mappers_2014.py", "osi_2x_dict.py", "mappers_3x.py"])
def test_fixtures_are_python_2(name: str) -> None:
    # The reader must not depend on ast.parse of the whole file.
    with pytest.raises(SyntaxError):
        ast.parse(Path(path(name)).read_text())


# (file, shape, expected handlers)
FILE_ROWS = [
    (
        "mappers_2014.py",
        MapShape.MAPPERS_2014,
        {
            "compute.instance.update": "instance_update",
            "compute.instance.delete.end": "instance_delete",
            LM + "pre.start": None,
            LM + "post.dest.end": None,
            LM + "_post.end": "instance_update",
        },
    ),
    (
        "osi_2x_dict.py",
        MapShape.DICT_2X,
        {
            "compute.instance.update": "instance_update_status",
            "compute.instance.power_on.start": "instance_powering_on",
            LM + "pre.start": None,
            LM + "post.dest.start": None,
            LM + "post.dest.end": None,
            LM + "_post.start": None,
            LM + "_post.end": "instance_update",  # adjacent string literals joined
            "port.update.end": "port_update",
            "dhcp_agent.network.add": None,
        },
    ),
    (
        "mappers_3x.py",
        MapShape.MAPPERS_3X,
        {
            "compute.instance.delete.end": "instance_delete",
            LM + "_post.end": "instance_update",
            "volume.update.end": "volume_update",
        },
    ),
    (
        "renamed_dict.py",
        MapShape.DICT_2X,
        {LM + "post.dest.end": "instance_update", LM + "_post.end": None},
    ),
    ("latin1.py", MapShape.MAPPERS_3X, {"compute.instance.update": "instance_update_status"}),
    ("indent_error.py", MapShape.MAPPERS_3X, {LM + "post.dest.end": "instance_update"}),
    (
        "fix.toml",
        MapShape.TOML,
        {
            LM + "post.dest.end": "instance_update",
            LM + "_post.end": None,
            "compute.instance.update": "instance_update_status",  # unquoted dotted key
            LM + "pre.end": "my_handler",
        },
    ),
]


@pytest.mark.parametrize(("name", "shape", "handlers"), FILE_ROWS)
def test_load_handler_map(name: str, shape: MapShape, handlers: dict[str, str | None]) -> None:
    hmap = load_handler_map(path(name))
    assert (hmap.name, hmap.source, hmap.shape) == (name, path(name), shape)
    assert dict(hmap.handlers) == handlers


# (file, handler, writes_host, assumed): read from the file's own functions
FILE_WRITER_ROWS = [
    ("mappers_2014.py", "instance_update", True, False),  # via _apply_traits -> TRAITMAPS
    ("mappers_2014.py", "instance_delete", False, False),
    ("osi_2x_dict.py", "instance_update", True, False),  # via _apply_instance_traits
    ("osi_2x_dict.py", "instance_update_status", True, False),  # via instance_update
    ("osi_2x_dict.py", "instance_powering_on", False, False),
    ("osi_2x_dict.py", "port_update", False, False),
    ("osi_2x_dict.py", "process", False, False),  # reads MAPPERS, is no handler
    ("mappers_3x.py", "instance_update", True, False),
    ("mappers_3x.py", "instance_delete", False, False),
    ("mappers_3x.py", "volume_update", False, False),
    ("foreign_handlers.py", "instance_update", True, False),  # known from the ZenPack
    ("foreign_handlers.py", "instance_delete", False, False),
    ("foreign_handlers.py", "my_handler", True, True),
    ("fix.toml", "instance_update", True, False),
    ("fix.toml", "instance_delete", False, False),
    ("fix.toml", "my_handler", True, True),
]


@pytest.mark.parametrize(("name", "handler", "writes", "assumed"), FILE_WRITER_ROWS)
def test_file_writes_host(name: str, handler: str, writes: bool, assumed: bool) -> None:
    hmap = load_handler_map(path(name))
    assert (hmap.writes_host(handler), hmap.is_assumed(handler)) == (writes, assumed)


# (file, message after "path")
ERROR_ROWS = [
    ("no_mapping.py", f": no MAPPERS or event mapping dict found; {HINT}"),
    (
        "unclosed.py",
        f":4: the MAPPERS dict opened here is never closed; fix the file or {HINT}",
    ),
    (
        "mismatched.py",
        f":2: unbalanced '}}' in the MAPPERS dict opened at line 1; fix the file or {HINT}",
    ),
    (
        "bad_value.py",
        ":3: 'compute.instance.live_migration._post.end' in MAPPERS maps to 'lambda', not a "
        f"handler name, None or (id_func, handler); fix the entry or {HINT}",
    ),
    (
        "bad_key.py",
        ":3: expected an event type in quotes as a key of MAPPERS, found 'EVENT_TYPE'; "
        f"fix the entry or {HINT}",
    ),
    (
        "bad_tuple.py",
        ":2: 'openstack|compute.instance.update' in MAPPERS maps to a tuple that is not "
        f"(id_func, handler): expected ')', found 'extra'; fix the entry or {HINT}",
    ),
    (
        "mixed.py",
        ":3: 'openstack|compute.instance.live_migration._post.end' in MAPPERS maps to a bare "
        "handler, but other entries are (id_func, handler) tuples; write every entry the same way",
    ),
    (
        "two_maps.py",
        ": several dicts map event types to handlers: OLD_HANDLERS (line 1), NEW_HANDLERS "
        f"(line 4); rename the one Zenoss uses to MAPPERS, or {HINT}",
    ),
    ("empty_mappers.py", f":1: MAPPERS is empty, so no handler would run; {HINT}"),
    (
        "bad_syntax.toml",
        ":3: not valid TOML: Expected '=' after a key in a key/value pair; "
        'write one "event.type" = "handler" per line',
    ),
    (
        "bad_value.toml",
        ":2: 'compute.instance.live_migration._post.end' maps to int 3; write a handler name "
        'in quotes, or "" for no handler',
    ),
    (
        "bad_name.toml",
        ":1: 'compute.instance.live_migration.post.dest.end' maps to 'instance update', not a "
        'handler name; write a Python function name such as "instance_update"',
    ),
    (
        "empty.toml",
        ': no event types in this TOML map; write one "event.type" = "handler" per line',
    ),
    ("does_not_exist.py", ": no such file (the handler map given with --handler-map)"),
]


@pytest.mark.parametrize(("name", "message"), ERROR_ROWS)
def test_load_errors(name: str, message: str) -> None:
    with pytest.raises(HandlerMapError) as e:
        load_handler_map(path(name))
    assert str(e.value) == path(name) + message


def test_load_directory() -> None:
    with pytest.raises(HandlerMapError) as e:
        load_handler_map(str(DATA))
    assert str(e.value) == f"{DATA}: is a directory, not a handler map"


def test_load_unreadable(tmp_path: Path) -> None:
    target = tmp_path / "events.py"
    target.write_text("MAPPERS = {}\n")
    target.chmod(0)
    try:
        if _can_read(target):  # root reads anything
            pytest.skip("running as a user who can read mode-0 files")
        with pytest.raises(HandlerMapError) as e:
            load_handler_map(str(target))
        assert str(e.value) == f"{target}: cannot read: Permission denied"
    finally:
        target.chmod(0o644)


def _can_read(p: Path) -> bool:
    try:
        p.read_bytes()
    except PermissionError:
        return False
    return True


def test_toml_not_utf8(tmp_path: Path) -> None:
    target = tmp_path / "map.toml"
    target.write_bytes(b'"compute.instance.update" = "caf\xe9"\n')
    with pytest.raises(HandlerMapError) as e:
        load_handler_map(str(target))
    assert str(e.value) == (
        f"{target}: not UTF-8 text (invalid continuation byte); save the TOML map as UTF-8"
    )


def test_later_mappers_assignment_wins(tmp_path: Path) -> None:
    target = tmp_path / "events.py"
    target.write_text(
        "MAPPERS = {'compute.instance.update': old_handler}\n"
        "MAPPERS = {'compute.instance.update': new_handler}\n"
    )
    assert load_handler_map(str(target)).handler_for("compute.instance.update") == "new_handler"


def test_repeated_key_last_wins(tmp_path: Path) -> None:
    target = tmp_path / "events.py"
    target.write_text(
        "MAPPERS = {\n"
        "    'compute.instance.update': first,\n"
        "    'compute.instance.update': second,\n"
        "}\n"
    )
    assert dict(load_handler_map(str(target)).handlers) == {"compute.instance.update": "second"}


def test_mappers_inside_a_function_is_ignored(tmp_path: Path) -> None:
    target = tmp_path / "events.py"
    target.write_text("def f():\n    MAPPERS = {'a.b': c}\n")
    with pytest.raises(HandlerMapError) as e:
        load_handler_map(str(target))
    assert str(e.value) == f"{target}: no MAPPERS or event mapping dict found; {HINT}"


# -- never raises anything but HandlerMapError --------------------------------

_PIECES = st.sampled_from(
    [
        "MAPPERS = {",
        "}",
        "(",
        ")",
        "'compute.instance.update'",
        "u'openstack|x.y'",
        ":",
        ",",
        "None",
        "instance_update",
        "\n",
        "    ",
        "\t",
        "def f(evt):\n",
        "except Exception, e:\n",
        "'''",
        "#",
        "\\",
        "set_host_name",
        "lambda",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.lists(_PIECES, max_size=40).map("".join), st.text(max_size=200)))
def test_reader_never_crashes(text: str) -> None:
    from lmtrace.handlers.eventspy import load_events_py as _load_events_py

    try:
        hmap = _load_events_py("events.py", text.encode("utf-8", "surrogatepass"))
    except HandlerMapError as e:
        assert str(e).startswith("events.py")
    else:
        assert hmap.handlers
        recommended_change(hmap)


def test_a_users_map_replaces_the_builtin_one(tmp_path: Path) -> None:
    # domain.md: a handler map that the user gives is not merged with the built-in one
    toml = tmp_path / "map.toml"
    toml.write_text('"compute.instance.live_migration.post.dest.end" = "my_handler"\n')
    hmap = load_handler_map(str(toml))
    assert dict(hmap.handlers) == {LM + "post.dest.end": "my_handler"}
    assert hmap.handler_for("compute.instance.update") is None  # osi-2.x maps it; this map does not
    assert hmap.handler_for(LM + "_post.end") is None
    assert hmap.writes_host("my_handler") and hmap.is_assumed("my_handler")


# -- hostile map files ----------------------------------------------------------


@pytest.mark.parametrize("name", ["bom.toml", "undefined_cookie.py"])
def test_a_bom_or_an_undefined_coding_cookie_is_no_error(name: str) -> None:
    m = load_handler_map(path(name))
    assert m.handler_for(LM + "post.dest.end") == "instance_update"
    assert m.handler_for(LM + "_post.end") is None


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 5000 + "]" * 5000,
        "[" + ".".join(["a"] * 5000) + ']\nb = "c"',
        ".".join(["a"] * 5000) + ' = "c"',
        "x = " + "{a = " * 3000 + "1" + "}" * 3000,
    ],
    ids=["arrays", "tables", "dotted-key", "inline-tables"],
)
def test_toml_nested_thousands_deep_is_an_error_not_a_crash(tmp_path: Path, text: str) -> None:
    target = tmp_path / "deep.toml"
    target.write_text(text + "\n")
    with pytest.raises(HandlerMapError) as e:
        load_handler_map(str(target))
    assert str(e.value) == (
        f'{target}: tables or arrays nested too deeply for a handler map; write one "event.type" = '
        '"handler" per line'
    )


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null", "fifo"])
def test_a_map_that_is_not_a_regular_file_is_refused(tmp_path: Path, special: str) -> None:
    """/dev/zero would be read until memory ran out, a FIFO would block."""
    if special == "fifo":
        special = str(tmp_path / "map.toml")
        os.mkfifo(special)
    elif not os.path.exists(special):
        pytest.skip(f"no {special} here")
    with pytest.raises(HandlerMapError) as e:
        load_handler_map(special)
    assert str(e.value) == (
        f"{special}: not a regular file (a pipe, device or socket); save the handler map to a file and give its path"
    )


def test_a_map_larger_than_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers_package, "MAX_MAP_BYTES", 1000)
    target = tmp_path / "events.py"
    target.write_text("MAPPERS = {}\n" + "#" * 1000 + "\n")
    with pytest.raises(HandlerMapError) as e:
        load_handler_map(str(target))
    assert str(e.value) == (
        f"{target}: larger than 0 MiB: not a handler map; give the ZenPack's events.py or a TOML file of "
        'event_type = "handler"'
    )
    assert handlers_package.MAX_MAP_BYTES != 16 << 20 and MAX_MAP_BYTES == 16 << 20
