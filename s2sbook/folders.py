"""One scheme for a folder of files that only work together: a cached model (``s2sbook.cache``) and a saved
translator (``s2sbook.translator``).

A folder is written whole or not at all. ``write`` has the files written into a scratch folder beside it,
adds ``manifest.json`` (the SHA-256 of every file, and what the caller records), and only then puts them
in place: by renaming the scratch folder, in one step, when there is no folder yet, or file by file with the
manifest taken away first and written last, under a lock beside the folder, when there is one. So two
processes saving into one folder at once leave exactly one of their saves, and a save that dies half-way
leaves a folder without a manifest, which no reader takes for a finished one (or only a scratch folder,
which ``remove_stale_scratch`` clears). ``problem`` says what is wrong with a folder (no manifest, a file
missing, a file that is not the bytes that were saved); ``move_aside`` keeps a damaged one for a look.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from filelock import FileLock

MANIFEST = "manifest.json"
FORMAT = 1
SCRATCH = ".tmp-"  # scratch folders are named .tmp-FOLDER-RANDOM-PID: the last part is the process that writes
CHUNK = 1 << 20


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read a megabyte at a time (a model file need not fit in memory twice)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def lock(path: Path) -> FileLock:
    """A file lock at ``path``, or an error naming it when something else is in the way."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, but the lock file goes there: remove that folder (it holds "
                                f"{len(list(path.iterdir()))} entries) or move it away, then run again.")
    return FileLock(path)


def _target(folder: Path) -> Path:
    """Where the folder's files really go: through a symbolic link to a folder, but never through a broken
    or looping one (``mkdir`` would call that a file that exists)."""
    if folder.is_symlink() and not folder.exists():
        raise FileExistsError(f"{folder} is a symbolic link to {os.readlink(folder)}, which is not a folder (the "
                              "link loops or leads nowhere): remove the link, or save to another folder.")
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} is a file, not a folder: save to another path, or move that file away.")
    return folder.resolve() if folder.exists() else folder.parent.resolve() / folder.name


def write(folder: str | os.PathLike, write_files: Callable[[Path], None], files: Iterable[str],
          record: dict | None = None, locked: bool = False) -> dict:
    """Write a folder whole: ``write_files(scratch)`` writes ``files`` into a scratch folder, then the
    manifest (``record`` plus the files' SHA-256) is added, and everything is put in place. ``locked``:
    the caller already holds a lock that no other writer of this folder passes (the cache's). Returns the
    manifest."""
    target = _target(Path(folder))
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.parent / f"{SCRATCH}{target.name}-{uuid.uuid4().hex[:8]}-{os.getpid()}"
    scratch.mkdir()
    try:
        write_files(scratch)
        manifest = {**(record or {}), "format": FORMAT, "files": {name: sha256(scratch / name) for name in files}}
        (scratch / MANIFEST).write_text(json.dumps(manifest, indent=1))
        if locked:
            _put_in_place(scratch, target, manifest)
        else:
            with lock(target.parent / f".{target.name}.lock"):
                _put_in_place(scratch, target, manifest)
        return manifest
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _put_in_place(scratch: Path, target: Path, manifest: dict) -> None:
    if not target.exists():
        os.replace(scratch, target)  # the whole folder at once
        return
    # A folder that exists may hold other files too: replace ours one by one, the manifest last, so that
    # until the end it holds no manifest that vouches for a mixture.
    (target / MANIFEST).unlink(missing_ok=True)
    for name in manifest["files"]:
        os.replace(scratch / name, target / name)
    os.replace(scratch / MANIFEST, target / MANIFEST)


def read_manifest(folder: Path) -> dict:
    """The folder's manifest; a ValueError naming it if it is not JSON (OSError if it cannot be read)."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise ValueError(f"{path} is not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ValueError(f"{path} is not a manifest (an object with the SHA-256 of each file under \"files\")")
    return manifest


def changed(folder: Path, manifest: dict) -> list[str]:
    """The files whose bytes are not those the manifest records."""
    return [name for name, digest in manifest["files"].items() if sha256(Path(folder) / name) != digest]


def problem(folder: Path, files: Iterable[str]) -> str | None:
    """What is wrong with a folder written by ``write`` with ``files``, or None: no manifest (its save never
    finished), a manifest that does not read, a file missing, or a file that changed since the save."""
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        return f"it has no {MANIFEST}, so its save never finished"
    try:
        manifest = read_manifest(folder)
    except (OSError, ValueError) as error:
        return f"its {MANIFEST} does not read ({error})"
    missing = [name for name in files if not (folder / name).is_file()]
    if missing:
        return f"it has no {', '.join(missing)}"
    unknown = sorted(set(manifest["files"]) - set(files))
    if unknown:
        return f"its {MANIFEST} vouches for files it should not ({', '.join(unknown)})"
    different = changed(folder, manifest)
    if different:
        return f"{', '.join(different)} changed since the save (SHA-256 differs from {MANIFEST})"
    return None


def move_aside(folder: Path) -> Path:
    """Rename a damaged folder to ``broken-NAME-TIME-PID`` beside it (kept for a look, never read again)."""
    aside = folder.parent / f"broken-{folder.name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    os.replace(folder, aside)
    return aside


def remove_stale_scratch(folder: Path, pattern: str = "*") -> list[Path]:
    """Remove the scratch folders of writes that died: ``folder``'s, all of them (call this only while
    holding the lock that its writers hold), and those of other folders matching ``pattern`` whose process
    no longer runs."""
    removed = []
    for scratch in Path(folder).parent.glob(f"{SCRATCH}{pattern}"):
        pid = scratch.name.rpartition("-")[2]
        mine = scratch.name.startswith(f"{SCRATCH}{Path(folder).name}-")
        if mine or (pid.isdigit() and not _alive(int(pid))):
            shutil.rmtree(scratch, ignore_errors=True)
            removed.append(scratch)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True
