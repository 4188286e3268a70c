"""What each PDF carries for the archive: its metadata and the files it was made from.

A PDF/A-3 file can hold its own sources. Every PDF embeds, as associated files
(/AFRelationship Source), the profiles and book file it was made from, the metadata
of the sources it cites, and its manifest entry: the edition, the tools, and the
sha256 of every input file (the archived source texts included, which are not
embedded). The entry cannot hold the PDF's own sha256, which depends on it; that
is in ``manifest.json``. ``pdfdetach -saveall`` gives back the input bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from builder.render.book import BookInfo
from builder.render.pdfmeta import Attachment, PdfMeta

__all__ = ["pdf_meta"]

_EMBEDDED = ("dossiers/", "seeds/")  # profiles, books, source metadata; not the theme


def pdf_meta(
    root: Path,
    info: BookInfo,
    *,
    output: str,
    author: str,
    keywords: str,
    moment: str,
    inputs: Iterable[str],
    tools: Mapping[str, str],
) -> PdfMeta:
    """The metadata and attachments of the PDF ``output`` made from ``inputs``.

    ``moment`` is the document date (ISO 8601 with offset); ``inputs`` are paths
    relative to ``root``.
    """
    hashes: dict[str, str] = {}
    attachments: list[Attachment] = []
    for path in sorted(set(inputs)):
        try:
            data = (root / path).read_bytes()
        except OSError:
            continue  # a theme file of the tool's own, outside the repository
        hashes[path] = hashlib.sha256(data).hexdigest()
        if not path.endswith(".yaml") or not path.startswith(_EMBEDDED):
            continue
        # A plain file name is required; the repository path (unique) spelled with '_'.
        attachments.append(Attachment(path.replace("/", "_"), data, "application/yaml", path))
    stamp = info.edition
    entry = {
        "path": output,
        "edition": stamp,
        "tools": dict(tools),
        "inputs": hashes,
    }
    attachments.append(
        Attachment(
            "manifest-entry.json",
            json.dumps(entry, indent=1, sort_keys=True).encode() + b"\n",
            "application/json",
            f"The manifest entry of {output}: edition, tools and input sha256",
            "Data",
        )
    )
    return PdfMeta(
        title=info.title,
        author=author,
        subject=info.subtitle or info.audience,
        keywords=keywords,
        language="en",
        created=moment,
        modified=moment,
        edition=stamp,
        commit=stamp.split(",", 1)[0] if "," in stamp else "",
        attachments=tuple(sorted(attachments, key=lambda a: a.name)),
    )
