"""Stored files: ids, paths, PhotoSize/Document shapes, image dimensions.

file_ids look like Telegram's (opaque, long, URL-safe) so a bot that stores
them in a short column or parses them breaks here as it would live.
"""

from __future__ import annotations

import mimetypes
import secrets
import struct
from dataclasses import dataclass, field

MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files on the public Bot API
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024
MAX_DOCUMENT_UPLOAD = 50 * 1024 * 1024
THUMB_SIDE = 320


@dataclass
class FileRecord:
    """One stored file; a photo can have several sizes sharing the same bytes."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    kind: str  # "photo" or "document"
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    sizes: list[FileRecord] = field(default_factory=list, repr=False)  # a photo's size set

    def photo_size(self) -> dict:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "width": self.width, "height": self.height, "file_size": len(self.data)}

    def document(self) -> dict:
        doc = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.data)}
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def file_object(self) -> dict:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_size": len(self.data), "file_path": self.file_path}


class FileStore:
    """A bot's files by file_id (Telegram's file_ids are valid only for the bot that got them)."""

    def __init__(self) -> None:
        self.by_id: dict[str, FileRecord] = {}
        self.by_path: dict[str, FileRecord] = {}
        self._counter = 0

    def add_photo(self, data: bytes) -> list[FileRecord]:
        """Store a photo; returns its sizes, smallest first, as Telegram lists them."""
        width, height = image_size(data) or (1280, 960)
        full = self._add(data, "photo", "photos", ".jpg", width=width, height=height, mime="image/jpeg")
        sizes = [full]
        if max(width, height) > THUMB_SIDE:
            # Telegram sends scaled copies too; we cannot resize, so the thumbnail
            # serves the original bytes but advertises thumbnail dimensions.
            scale = THUMB_SIDE / max(width, height)
            thumb = self._add(data, "photo", "photos", ".jpg", width=max(1, round(width * scale)),
                              height=max(1, round(height * scale)), mime="image/jpeg")
            sizes.insert(0, thumb)
        for record in sizes:
            record.sizes = sizes
        return sizes

    def add_document(self, data: bytes, file_name: str | None, mime_type: str | None) -> FileRecord:
        mime = mime_type or (mimetypes.guess_type(file_name)[0] if file_name else None)
        ext = ("." + file_name.rsplit(".", 1)[1]) if file_name and "." in file_name else ""
        return self._add(data, "document", "documents", ext, name=file_name, mime=mime)

    def _add(self, data: bytes, kind: str, folder: str, ext: str, *, width: int = 0, height: int = 0,
             name: str | None = None, mime: str | None = None) -> FileRecord:
        self._counter += 1
        prefix = "AgACAgIAAxkBAAI" if kind == "photo" else "BQACAgIAAxkBAAI"
        record = FileRecord(
            file_id=prefix + secrets.token_urlsafe(48),
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            data=data, file_path=f"{folder}/file_{self._counter}{ext}", kind=kind,
            file_name=name, mime_type=mime, width=width, height=height,
        )
        self.by_id[record.file_id] = record
        self.by_path[record.file_path] = record
        return record

    def get(self, file_id: str) -> FileRecord | None:
        return self.by_id.get(file_id)


def looks_like_image(data: bytes) -> bool:
    """Telegram refuses photos it cannot decode (IMAGE_PROCESS_FAILED)."""
    return (image_size(data) is not None or data[:3] == b"\xff\xd8\xff"
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP") or data[:2] == b"BM")


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG from its header; None if unrecognised."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        # SOF0..SOF15 carry the frame size, except DHT(C4), JPG(C8) and DAC(CC).
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return width, height
        pos += 2 + length
    return None
