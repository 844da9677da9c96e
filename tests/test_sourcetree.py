"""Unpacking an uploaded content archive (core): what real archivers produce is accepted,
anything that could escape the folder, fill the disk or hang the hub is refused whole."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest

from hub.content.sourcetree import Limits, MiB, SourceTreeError, build_upload, unpack
from tests.conftest import write_tree
from tests.hubtools import HubEnv

SMALL = Limits(files=50, unpacked=5 * MiB, depth=6)


def zipped(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buf.seek(0)
    return buf


def tree_zip(root: Path, prefix: str = "content/") -> io.BytesIO:
    return zipped(
        {
            prefix + p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*")
            if p.is_file()
        }
    )


def tarred(members: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w:gz") -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as archive:
        for info, data in members:
            info.size = len(data) if data is not None else 0
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    buf.seek(0)
    return buf


def refused(fh, tmp_path: Path, limits: Limits = SMALL) -> list[str]:
    dest = tmp_path / "out"
    with pytest.raises(SourceTreeError) as caught:
        unpack(fh, dest, limits)
    return [str(p) for p in caught.value.upload_problems]


def written(tmp_path: Path) -> list[Path]:
    out = tmp_path / "out"
    return [p for p in out.rglob("*") if p.is_file()] if out.exists() else []


def test_a_zipped_content_folder_unpacks_to_its_root(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    root = unpack(tree_zip(src), tmp_path / "out", SMALL)
    assert root == tmp_path / "out" / "content"
    assert (root / "settings.yaml").read_bytes() == (src / "settings.yaml").read_bytes()
    assert (root / "media" / "logo.png").read_bytes() == (src / "media" / "logo.png").read_bytes()


def test_a_zip_of_the_folders_contents_and_a_tar_gz_unpack_too(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    assert unpack(tree_zip(src, prefix=""), tmp_path / "flat", SMALL) == tmp_path / "flat"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        archive.add(src, arcname="content")
    buf.seek(0)
    root = unpack(buf, tmp_path / "tgz", SMALL)
    assert (root / "services" / "documents.yaml").is_file()


def test_macos_litter_is_skipped(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    entries = {
        "content/" + p.relative_to(src).as_posix(): p.read_bytes()
        for p in src.rglob("*")
        if p.is_file()
    }
    entries |= {
        "__MACOSX/content/services/._documents.yaml": b"\x00\x05\x16\x07binary",
        "content/services/._documents.yaml": b"\x00\x05\x16\x07binary",
        "content/.DS_Store": b"\x00\x00\x00\x01Bud1",
    }
    root = unpack(zipped(entries), tmp_path / "out", SMALL)
    assert sorted(p.name for p in (root / "services").iterdir()) == ["documents.yaml"]
    assert not (tmp_path / "out" / "__MACOSX").exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil.yaml", "'..' is not allowed"),
        ("content/../../evil.yaml", "'..' is not allowed"),
        ("/etc/cron.d/evil", "An absolute path is not allowed"),
        ("C:/Windows/evil.yaml", "An absolute path is not allowed"),
        ("content\\..\\evil.yaml", "Backslashes"),
        ("a/b/c/d/e/f/g/h.yaml", "nested too deeply"),
        ("content/" + "x" * 300, "too long"),
    ],
)
def test_unsafe_names_are_refused_before_anything_is_written(tmp_path, name, message) -> None:
    fh = zipped({"content/settings.yaml": b"municipality: x\n", name: b"boom"})
    problems = refused(fh, tmp_path)
    assert len(problems) == 1 and message in problems[0]
    assert not (tmp_path / "evil.yaml").exists() and not (tmp_path.parent / "evil.yaml").exists()


def test_a_symlink_in_a_zip_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("content/settings.yaml", "municipality: x\n")
        link = zipfile.ZipInfo("content/media/logo.png")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    buf.seek(0)
    assert refused(buf, tmp_path) == [
        "content/media/logo.png: Links are not allowed in the archive."
    ]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (tarfile.SYMTYPE, "Links are not allowed"),
        (tarfile.LNKTYPE, "Links are not allowed"),
        (tarfile.CHRTYPE, "Only plain files and folders"),
        (tarfile.BLKTYPE, "Only plain files and folders"),
        (tarfile.FIFOTYPE, "Only plain files and folders"),
    ],
)
def test_links_and_devices_in_a_tar_are_refused(tmp_path, kind, message) -> None:
    settings = tarfile.TarInfo("content/settings.yaml")
    odd = tarfile.TarInfo("content/media/logo.png")
    odd.type = kind
    odd.linkname = "/etc/passwd"
    problems = refused(tarred([(settings, b"municipality: x\n"), (odd, None)]), tmp_path)
    assert problems == [f"content/media/logo.png: {message}" + problems[0].split(message)[1]]
    assert not (tmp_path / "out" / "content" / "media" / "logo.png").exists()


def test_a_zip_bomb_is_stopped_at_the_unpacked_limit(tmp_path: Path) -> None:
    bomb = zipped({f"content/{i}.bin": bytes(3 * MiB) for i in range(4)})
    assert len(bomb.getvalue()) < 100_000  # 12 MB of zeros in a few kilobytes
    assert refused(bomb, tmp_path) == [
        "the archive: Unpacked, the archive would take more than 5 MB."
    ]
    assert written(tmp_path) == []  # refused from the announced sizes, before writing


def test_a_zip_that_lies_about_its_sizes_is_caught_while_unpacking(tmp_path: Path) -> None:
    data = zipped({"content/settings.yaml": b"a: 1\n", "content/big.bin": bytes(8 * MiB)})
    raw = bytearray(data.getvalue())
    # Claim 10 bytes for big.bin in its central directory entry (uncompressed size field).
    at = raw.rfind(b"PK\x01\x02")
    assert raw[at + 46 : at + 46 + 15] == b"content/big.bin"
    struct.pack_into("<L", raw, at + 24, 10)
    problems = refused(io.BytesIO(bytes(raw)), tmp_path)
    assert problems == ["content/big.bin: The archive is damaged."]
    assert all(p.stat().st_size <= 10 for p in written(tmp_path) if p.name == "big.bin")


def test_a_tar_gz_bomb_is_stopped_at_the_unpacked_limit(tmp_path: Path) -> None:
    members = [(tarfile.TarInfo(f"content/{i}.bin"), bytes(2 * MiB)) for i in range(4)]
    bomb = tarred(members)
    assert len(bomb.getvalue()) < 100_000
    assert refused(bomb, tmp_path) == [
        "the archive: Unpacked, the archive would take more than 5 MB."
    ]
    assert sum(p.stat().st_size for p in written(tmp_path)) <= 5 * MiB


def test_a_forged_giant_tar_header_is_refused_without_reading_it(tmp_path: Path) -> None:
    # A GNU long-name header claiming 3 GiB: tarfile would read all of it into memory.
    header = tarfile.TarInfo("././@LongLink")
    header.type = tarfile.GNUTYPE_LONGNAME
    block = bytearray(header.tobuf(format=tarfile.GNU_FORMAT))
    block[124:136] = b"%011o\x00" % (3 * 1024 * MiB)
    block[148:156] = b"        "
    block[148:156] = b"%06o\x00 " % sum(block)
    raw = io.BytesIO(bytes(block) + bytes(1024))
    problems = refused(raw, tmp_path)
    assert problems == ["the archive: Unpacked, the archive would take more than 5 MB."]


def test_too_many_files_are_refused(tmp_path: Path) -> None:
    fh = zipped({f"content/events/{i}.yaml": b"[]\n" for i in range(51)})
    assert refused(fh, tmp_path) == ["the archive: The archive has more than 50 files and folders."]
    assert written(tmp_path) == []


def test_a_file_twice_in_one_zip_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("content/settings.yaml", "a: 1\n")
        archive.writestr("content/settings.yaml", "a: 2\n")
    buf.seek(0)
    assert refused(buf, tmp_path) == ["content/settings.yaml: This file is in the archive twice."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.7 not an archive at all" * 40, "This is not a .zip or .tar.gz archive."),
        (b"PK\x03\x04" + bytes(100), "The archive is damaged."),
        (b"\x1f\x8b\x08\x00" + bytes(50), "This is not a .zip or .tar.gz archive."),
    ],
)
def test_what_is_not_a_readable_archive_is_said_so(tmp_path, data, message) -> None:
    assert refused(io.BytesIO(data), tmp_path) == [f"the archive: {message}"]


def test_a_truncated_tar_gz_is_damaged(tmp_path: Path) -> None:
    members = [(tarfile.TarInfo(f"content/{i}.bin"), bytes(range(256)) * 400) for i in range(3)]
    whole = tarred(members).getvalue()
    assert refused(io.BytesIO(whole[: len(whole) // 2]), tmp_path) == [
        "the archive: The archive is damaged."
    ]


def test_an_archive_without_settings_yaml_says_what_to_pack(tmp_path: Path) -> None:
    fh = zipped({"moje/services/a.yaml": b"[]\n", "inne/b.yaml": b"[]\n"})
    (problem,) = refused(fh, tmp_path)
    assert problem.startswith("settings.yaml: Not found in the archive.")


def test_content_problems_come_back_with_file_line_and_field(tmp_path: Path) -> None:
    env = HubEnv.create(tmp_path / "hub")
    try:
        src = write_tree(tmp_path / "src")
        settings = src / "settings.yaml"
        settings.write_text(settings.read_text().replace("lat: 50.3", "lat: 250.3"))
        (src / "report_categories.yaml").unlink()
        with pytest.raises(SourceTreeError) as caught:
            build_upload(tree_zip(src), env.hub.blobs)
        problems = [str(p) for p in caught.value.upload_problems]
        assert any(p.startswith("settings.yaml:4: location.lat:") for p in problems)
        assert "report_categories.yaml: no such file; it is required" in problems
        assert list(env.hub.blobs.tmp_dir.iterdir()) == []  # the unpacked tree is gone
    finally:
        env.hub.close()


def test_a_tar_reaching_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    settings = tarfile.TarInfo("content/settings.yaml")
    escape = tarfile.TarInfo("content/../../escape.yaml")
    problems = refused(tarred([(settings, b"a: 1\n"), (escape, b"boom")]), tmp_path)
    assert problems == [
        "content/../../escape.yaml: '..' is not allowed: a file may not leave the content folder."
    ]
    assert not (tmp_path / "escape.yaml").exists()
