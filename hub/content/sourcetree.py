"""Building a content source tree uploaded as one archive (the staff's web form).

Staff zip the `content/` folder they edit and upload it. The archive is untrusted: it is
unpacked by hand, member by member, into a private temporary folder, and refused whole at the
first absolute path, `..`, link, device file, over-deep folder, too many files or too many
unpacked bytes (a zip bomb), before the content is even looked at. The tree is then built with
the kiosk's own `build_release` (every content problem, each with its file, line and field)
and its files are put in the blob store; the file list waits for its uploader to confirm it
(hub.content.staging) before it is published with the hub's alerts (hub.content.releases).
"""

from __future__ import annotations

import gzip
import io
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hub.content.blobs import BlobStore
from hub.errors import Invalid
from kiosk_core.content.build import build_release
from kiosk_core.content.manifest import FileEntry
from kiosk_core.content.problems import ContentError, Problem
from kiosk_core.content.source import SETTINGS_FILE
from kiosk_core.i18n import N_

MiB = 1024 * 1024
COPY_BLOCK = MiB
ARCHIVE = N_("the archive")
"""The `file` of a problem with the archive as a whole."""


@dataclass(frozen=True)
class Limits:
    """What an uploaded archive may unpack to. Generous for real content (the sample town
    has 40 files, 4 MB), far below what would hurt the hub's disk."""

    files: int = 10_000
    unpacked: int = 2048 * MiB
    depth: int = 16
    """Folders within folders; the content layout needs three."""
    name_chars: int = 255


@dataclass(frozen=True)
class UploadProblem:
    """One problem to show: where (file, line, field) and what, as an English message id with
    its values (content problems come already worded by the content checker)."""

    file: str
    line: int | None
    field: str
    message: str
    values: dict = field(default_factory=dict)
    content: Problem | None = None
    """A problem of the content itself, with the code and values to word it for a clerk
    (`kiosk_core.content.problemtext`); `message` is then its English text."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field_part = f" {self.field}:" if self.field else ""
        text = self.message.format(**self.values) if self.values else self.message
        return f"{where}:{field_part} {text}"


class SourceTreeError(Invalid):
    """The upload was refused; nothing was published. Every problem is in `upload_problems`."""

    def __init__(self, problems: list[UploadProblem]):
        super().__init__("the content was not published", [str(p) for p in problems])
        self.upload_problems = problems


def _refuse(name: str, message: str, **values) -> SourceTreeError:
    return SourceTreeError([UploadProblem(name, None, "", message, values)])


def _skipped(parts: tuple[str, ...]) -> bool:
    """Litter that archivers add (macOS resource forks, Finder and Explorer caches)."""
    return (
        parts[0] == "__MACOSX"
        or parts[-1].startswith("._")
        or parts[-1]
        in (
            ".DS_Store",
            "Thumbs.db",
            "desktop.ini",
        )
    )


def member_parts(name: str, limits: Limits) -> tuple[str, ...]:
    """The path of an archive member as folder names, or SourceTreeError if it is unsafe."""
    if "\x00" in name or "\\" in name:
        raise _refuse(name, N_("Backslashes and NUL characters are not allowed in file names."))
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise _refuse(name, N_("An absolute path is not allowed in the archive."))
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise _refuse(name, N_("'..' is not allowed: a file may not leave the content folder."))
    if len(parts) > limits.depth:
        raise _refuse(
            name, N_("Folders are nested too deeply (at most {limit})."), limit=limits.depth
        )
    if any(len(p) > limits.name_chars for p in parts):
        raise _refuse(name, N_("A file name is too long."))
    return parts


class _Unpacker:
    """Writes checked members under `dest`, counting entries and bytes against the limits."""

    def __init__(self, dest: Path, limits: Limits):
        self.dest = dest
        self.limits = limits
        self.entries = 0
        self.bytes = 0
        self.seen: set[tuple[str, ...]] = set()

    def too_many(self) -> SourceTreeError:
        return _refuse(
            ARCHIVE,
            N_("The archive has more than {limit} files and folders."),
            limit=self.limits.files,
        )

    def target(self, name: str, is_dir: bool) -> Path | None:
        """Where a member goes, or None for litter to skip; refuses what is unsafe."""
        self.entries += 1
        if self.entries > self.limits.files:
            raise self.too_many()
        parts = member_parts(name, self.limits)
        if not parts or _skipped(parts):
            return None
        if parts in self.seen and not is_dir:
            raise _refuse(name, N_("This file is in the archive twice."))
        self.seen.add(parts)
        return self.dest.joinpath(*parts)

    def too_big(self) -> SourceTreeError:
        return _refuse(
            ARCHIVE,
            N_("Unpacked, the archive would take more than {limit} MB."),
            limit=self.limits.unpacked // MiB,
        )

    def room_for(self, size: int) -> None:
        if self.bytes + size > self.limits.unpacked:
            raise self.too_big()

    def write(self, name: str, path: Path, source: IO[bytes], declared: int) -> None:
        """Copy one member, never more bytes than it declared nor than the limit allows."""
        self.room_for(declared)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as out:
                written = 0
                while chunk := source.read(COPY_BLOCK):
                    written += len(chunk)
                    if written > declared:
                        raise _refuse(name, N_("The archive is damaged."))
                    self.room_for(len(chunk))
                    self.bytes += len(chunk)
                    out.write(chunk)
        except FileExistsError as exc:
            raise _refuse(name, N_("This file is in the archive twice.")) from exc
        except (NotADirectoryError, IsADirectoryError) as exc:
            raise _refuse(name, N_("A file and a folder have the same name.")) from exc
        if written != declared:
            raise _refuse(name, N_("The archive is damaged."))

    def folder(self, name: str, path: Path) -> None:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise _refuse(name, N_("A file and a folder have the same name.")) from exc


def _zip_entries(fh: IO[bytes]) -> int:
    """How many members a zip's end record announces, read before zipfile loads its whole
    central directory into memory (ZIP64 included)."""
    fh.seek(0, 2)
    size = fh.tell()
    tail_len = min(size, 0xFFFF + 22)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        raise zipfile.BadZipFile("no end of central directory")
    entries = struct.unpack_from("<H", tail, at + 10)[0]
    if entries == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        fh.seek(struct.unpack_from("<Q", tail, at - 12)[0])
        record = fh.read(56)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            entries = struct.unpack_from("<Q", record, 32)[0]
    fh.seek(0)
    return entries


def _unzip(fh: IO[bytes], unpacker: _Unpacker) -> None:
    if _zip_entries(fh) > unpacker.limits.files:
        raise unpacker.too_many()
    with zipfile.ZipFile(fh) as archive:
        members = archive.infolist()
        if len(members) > unpacker.limits.files:
            raise unpacker.too_many()
        unpacker.room_for(sum(m.file_size for m in members))
        for member in members:
            kind = stat.S_IFMT(member.external_attr >> 16)
            if kind == stat.S_IFLNK:
                raise _refuse(member.filename, N_("Links are not allowed in the archive."))
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise _refuse(member.filename, N_("Only plain files and folders are allowed."))
            if member.flag_bits & 0x1:
                raise _refuse(member.filename, N_("Encrypted files cannot be read."))
            path = unpacker.target(member.filename, member.is_dir())
            if path is None:
                continue
            if member.is_dir():
                unpacker.folder(member.filename, path)
                continue
            try:
                with archive.open(member) as source:
                    unpacker.write(member.filename, path, source, member.file_size)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise _refuse(member.filename, N_("The archive is damaged.")) from exc


class _Guarded(io.RawIOBase):
    """A tar stream read within bounds. tarfile reads a header's whole declared size in one
    call (a pax or long-name header may claim gigabytes), so one read may ask for at most
    `MAX_READ`, and all reads together for at most `budget`."""

    def __init__(self, raw: IO[bytes], budget: int):
        self.raw = raw
        self.left = budget

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def read(self, n: int = -1) -> bytes:
        if n < 0 or n > MAX_READ:
            raise _TooLarge
        data = self.raw.read(n)
        self.left -= len(data)
        if self.left < 0:
            raise _TooLarge
        return data


class _TooLarge(Exception):
    pass


MAX_READ = 4 * MiB
"""More than any header and more than a copy block (`COPY_BLOCK`)."""
TAR_OVERHEAD = 1024
"""Bytes of header and padding a tar may spend per member beyond the members' data."""


def _untar(fh: IO[bytes], unpacker: _Unpacker) -> None:
    gzipped = fh.read(2) == b"\x1f\x8b"
    fh.seek(0)
    stream: IO[bytes] = gzip.GzipFile(fileobj=fh, mode="rb") if gzipped else fh
    limits = unpacker.limits
    guarded = _Guarded(stream, limits.unpacked + TAR_OVERHEAD * (limits.files + 2) + 10 * 1024)
    try:
        with tarfile.open(fileobj=guarded, mode="r:") as archive:
            for member in archive:
                if member.issym() or member.islnk():
                    raise _refuse(member.name, N_("Links are not allowed in the archive."))
                if not (member.isreg() or member.isdir()):
                    raise _refuse(member.name, N_("Only plain files and folders are allowed."))
                # Skipped litter counts too: passing over it still means unpacking it.
                unpacker.room_for(member.size)
                path = unpacker.target(member.name, member.isdir())
                if path is None:
                    unpacker.bytes += member.size
                    continue
                if member.isdir():
                    unpacker.folder(member.name, path)
                    continue
                source = archive.extractfile(member)
                assert source is not None  # a regular file always has data
                unpacker.write(member.name, path, source, member.size)
    except _TooLarge as exc:
        raise unpacker.too_big() from exc
    except tarfile.ReadError as exc:
        if unpacker.entries == 0:
            raise _refuse(ARCHIVE, N_("This is not a .zip or .tar.gz archive.")) from exc
        raise


def unpack(fh: IO[bytes], dest: Path, limits: Limits = Limits()) -> Path:
    """Unpack a .zip or .tar.gz (or plain .tar) into a new folder `dest`; returns the source
    tree's root: `dest` itself, or the one folder in it that holds settings.yaml."""
    fh.seek(0)
    head = fh.read(4)
    fh.seek(0)
    if not head:
        raise _refuse(ARCHIVE, N_("The file is empty."))
    dest.mkdir(parents=True)
    unpacker = _Unpacker(dest, limits)
    try:
        if head.startswith(b"PK"):
            _unzip(fh, unpacker)
        else:
            _untar(fh, unpacker)
    except NotImplementedError as exc:  # a zip compression method Python cannot read
        raise _refuse(
            ARCHIVE, N_("The archive uses a compression method that cannot be read.")
        ) from exc
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, gzip.BadGzipFile) as exc:
        raise _refuse(ARCHIVE, N_("The archive is damaged.")) from exc
    return _tree_root(dest)


def _tree_root(dest: Path) -> Path:
    if (dest / SETTINGS_FILE).is_file():
        return dest
    entries = list(dest.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / SETTINGS_FILE).is_file():
        return entries[0]
    raise _refuse(
        SETTINGS_FILE,
        N_("Not found in the archive. Pack the content folder, with settings.yaml inside it."),
    )


def store_blobs(blobs: BlobStore, release_dir: Path, files: list[FileEntry]) -> int:
    """Put every file of a built release in the store, streamed; returns how many were new."""
    added = 0
    for entry in files:
        if blobs.has(entry.sha256, entry.size):
            continue
        writer = blobs.writer(entry.sha256, entry.size)
        try:
            with (release_dir / entry.path).open("rb") as fh:
                while chunk := fh.read(COPY_BLOCK):
                    writer.write(chunk)
        except BaseException:
            writer.abort()
            raise
        writer.finish()
        added += 1
    return added


def build_upload(fh: IO[bytes], blobs: BlobStore, limits: Limits = Limits()) -> list[FileEntry]:
    """Unpack, check and build an uploaded source tree and store its files; returns the file
    list to publish. Raises SourceTreeError with every problem; nothing is published."""
    with tempfile.TemporaryDirectory(prefix="upload.", dir=blobs.tmp_dir) as work:
        root = unpack(fh, Path(work) / "src", limits)
        return build_tree(root, blobs, Path(work) / "release")


def build_tree(
    root: Path, blobs: BlobStore, out: Path, *, documents: Mapping[str, Any] | None = None
) -> list[FileEntry]:
    """Check and build the source tree at `root` into `out` (a scratch folder) and store its
    files; returns the file list to publish. Raises SourceTreeError with every problem.
    `documents`: the tree's YAML files as data (kiosk_core.content.source.load_source)."""
    try:
        manifest = build_release(root, out, documents=documents)
    except ContentError as exc:
        raise SourceTreeError(
            [UploadProblem(p.file, p.line, p.field, p.message, content=p) for p in exc.problems]
        ) from exc
    store_blobs(blobs, out, manifest.files)
    return list(manifest.files)
