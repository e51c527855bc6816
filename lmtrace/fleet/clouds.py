"""The clouds of a sweep: `NAME=PATH` arguments, and each cloud's input files.

A cloud is a directory or an fsspec URL (`s3://bucket/cloud-a/`); its
name is the last part of the path unless given as `NAME=PATH`. Its input
files are the regular files under it, found through fsspec (so that a
bucket is listed the way a directory is), each rotated set oldest first,
as `lmtrace analyze 'dir/*'` would take them. Listing reads metadata only:
the files themselves are opened by the workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, UsageError
from ..read import oldest_first

__all__ = ["Cloud", "CloudFile", "cloud_files", "filesystem", "parse_clouds"]

# what a NAME may be: no slash, no colon (`s3://x=y/` is a URL, not a name)
_NAME = re.compile(r"^[^/:=]+$")

#: protocols whose fsspec implementation lives in another package
_NEEDS = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Cloud:
    name: str
    #: the directory or URL as given (without NAME=)
    root: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudFile:
    #: as reports name it: the root as given, then the file's place under it
    path: str
    #: as workers open it (fsspec: `file:///abs/…`, `s3://…`)
    url: str
    size: int


def parse_clouds(args: tuple[str, ...] | list[str]) -> list[Cloud]:
    """`NAME=PATH` or `PATH` (named after its last part); two clouds of one
    name, or one path given twice, are a UsageError."""
    out: list[Cloud] = []
    for arg in args:
        name, sep, root = arg.partition("=")
        if not (sep and _NAME.match(name) and root):
            root = arg
            name = root.rstrip("/").rsplit("/", 1)[-1] or root
        out.append(Cloud(name=name, root=root))
    seen: dict[str, str] = {}
    roots: set[str] = set()
    for c in out:
        if c.root.rstrip("/") in roots:
            raise UsageError(f"{c.root}: given as two clouds: give it once")
        roots.add(c.root.rstrip("/"))
        if c.name in seen:
            raise UsageError(
                f"two clouds named {c.name} ({seen[c.name]} and {c.root}): name them as NAME=PATH"
            )
        seen[c.name] = c.root
    return out


def filesystem(root: str) -> tuple[Any, str]:
    """The fsspec filesystem of `root` and the path in it. A protocol whose
    package is missing (s3fs for `s3://`) is a UsageError saying what to install."""
    import fsspec.core

    protocol = root.split("://", 1)[0] if "://" in root else "file"
    try:
        return fsspec.core.url_to_fs(root)  # type: ignore[no-any-return]
    except ImportError as e:
        pkg = _NEEDS.get(protocol)
        what = f"pip install {pkg}" if pkg else str(e)
        raise UsageError(f"{root}: reading {protocol}:// URLs needs {pkg or 'a package'}: {what}") from None
    except ValueError as e:  # an unknown protocol
        raise UsageError(f"{root}: {e}") from None


def cloud_files(cloud: Cloud) -> list[CloudFile]:
    """The regular files under a cloud's root, rotated sets oldest first.
    Raises InputError when the root is missing or not a directory."""
    fs, base = filesystem(cloud.root)
    try:
        if not fs.isdir(base):
            what = "not a directory" if fs.exists(base) else "no such directory"
            raise InputError(f"{cloud.root}: {what} (cloud {cloud.name})")
        found = fs.find(base, detail=True)
    except OSError as e:
        raise InputError(f"{cloud.root}: cannot list: {e}") from e
    prefix = base.rstrip("/") + "/"
    given = cloud.root.rstrip("/") + "/"
    files: dict[str, CloudFile] = {}
    for full, info in found.items():
        if info.get("type") != "file" or not full.startswith(prefix):
            continue
        path = given + full[len(prefix) :]
        files[path] = CloudFile(path=path, url=fs.unstrip_protocol(full), size=int(info.get("size") or 0))
    return [files[p] for p in oldest_first(files)]
