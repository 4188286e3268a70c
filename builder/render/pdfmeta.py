"""A PDF's document-level metadata: /Info, the XMP packet, /Lang and attached files.

PDF/A asks that the /Info dictionary and the XMP packet say the same things (title,
author, subject, keywords, producer, creator tool, dates), that the XMP declare the
PDF/A part and conformance, and that any custom XMP property be described by an
extension schema; PDF/A-3 lets a file embed others as *associated files* (/AF), each
with its MIME type, dates, size and checksum. :func:`write_meta` writes all of it from
a :class:`PdfMeta`, by hand and from given values only: no clock, no random ids, so the
same meta gives the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    import pikepdf

__all__ = ["Attachment", "PdfMeta", "pdf_date", "write_meta", "xmp_packet"]

# Where our own XMP properties (edition, commit) live, and how PDF/A learns of them.
NAMESPACE = "http://dossier.invalid/ns/edition/1.0/"
PREFIX = "dossier"
_PROPERTIES = (
    ("edition", "The edition stamp: short commit and date of the newest source file"),
    ("commit", "The full git commit hash the document was made from"),
)
_RELATIONSHIPS = frozenset({"Source", "Data", "Alternative", "Supplement", "Unspecified"})
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF as a PDF/A-3 associated file of the whole document.

    ``relationship`` is the /AFRelationship: Source, Data, Alternative, Supplement or
    Unspecified.
    """

    name: str
    data: bytes
    mime: str
    description: str
    relationship: str = "Source"

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name:
            raise ValueError(f"attachment name {self.name!r}: a plain file name is needed")
        if not _MIME.fullmatch(self.mime):
            raise ValueError(f"attachment {self.name}: {self.mime!r} is not a MIME type")
        if self.relationship not in _RELATIONSHIPS:
            raise ValueError(
                f"attachment {self.name}: relationship {self.relationship!r} is not one of "
                + ", ".join(sorted(_RELATIONSHIPS))
            )


@dataclass(frozen=True)
class PdfMeta:
    """What a PDF says about itself; dates are ISO 8601 with an offset.

    ``edition`` is the stamp printed on the cover (e.g. ``"abc1234 (2026-11-30)"``),
    ``commit`` the full commit hash or ``""``.
    """

    title: str
    author: str
    subject: str
    keywords: str
    language: str
    created: str
    modified: str
    edition: str
    commit: str
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        for field in ("created", "modified"):
            _parse(getattr(self, field), field)
        names = [attachment.name for attachment in self.attachments]
        if len(set(names)) != len(names):
            raise ValueError("two attachments have the same name")


def _parse(value: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not an ISO 8601 date and time") from None
    if moment.utcoffset() is None:
        raise ValueError(f"{field}: {value!r} has no UTC offset")
    return moment


def pdf_date(value: str) -> str:
    """An ISO 8601 date with offset as a PDF date: ``D:YYYYMMDDHHmmSS+HH'mm'`` (or ``Z``)."""
    moment = _parse(value, "date")
    offset = moment.utcoffset()
    assert offset is not None  # checked by _parse
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return f"D:{moment:%Y%m%d%H%M%S}Z"  # as WeasyPrint writes UTC
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{hours:02d}'{minutes:02d}'"


def _xmp_date(value: str) -> str:
    return _parse(value, "date").isoformat()


@functools.cache
def tools() -> tuple[str, str]:
    """(producer, creator tool): the libraries that wrote the bytes, and Dossier."""
    from importlib.metadata import version

    from builder import __version__

    producer = f"WeasyPrint {version('weasyprint')}; pikepdf {version('pikepdf')}"
    return producer, f"Dossier {__version__}"


def _info(meta: PdfMeta) -> dict[str, str]:
    producer, creator = tools()
    info = {
        "/Title": meta.title,
        "/Author": meta.author,
        "/Subject": meta.subject,
        "/Keywords": meta.keywords,
        "/Creator": creator,
        "/Producer": producer,
        "/CreationDate": pdf_date(meta.created),
        "/ModDate": pdf_date(meta.modified),
    }
    return {key: value for key, value in info.items() if value}


def xmp_packet(meta: PdfMeta) -> bytes:
    """The XMP metadata packet: what /Info says, the PDF/A id, edition and commit."""
    producer, creator = tools()

    def alt(tag: str, text: str) -> str:
        if not text:
            return ""
        return (
            f'<{tag}><rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li>'
            f"</rdf:Alt></{tag}>"
        )

    def simple(tag: str, text: str) -> str:
        return f"<{tag}>{escape(text)}</{tag}>" if text else ""

    def description(namespaces: str, body: str) -> str:
        return f'<rdf:Description rdf:about=""\n {namespaces}>\n{body}\n</rdf:Description>\n'

    properties = "".join(
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(text)}</pdfaProperty:description></rdf:li>"
        for name, text in _PROPERTIES
    )
    blocks = [
        description(
            'xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"',
            "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>A</pdfaid:conformance>",
        ),
        description(
            'xmlns:dc="http://purl.org/dc/elements/1.1/"',
            "<dc:format>application/pdf</dc:format>"
            + alt("dc:title", meta.title)
            + (
                f"<dc:creator><rdf:Seq><rdf:li>{escape(meta.author)}</rdf:li></rdf:Seq></dc:creator>"
                if meta.author
                else ""
            )
            + alt("dc:description", meta.subject)
            + (
                f"<dc:language><rdf:Bag><rdf:li>{escape(meta.language)}</rdf:li></rdf:Bag>"
                "</dc:language>"
                if meta.language
                else ""
            ),
        ),
        description(
            'xmlns:pdf="http://ns.adobe.com/pdf/1.3/"',
            simple("pdf:Producer", producer) + simple("pdf:Keywords", meta.keywords),
        ),
        description(
            'xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
            simple("xmp:CreatorTool", creator)
            + simple("xmp:CreateDate", _xmp_date(meta.created))
            + simple("xmp:ModifyDate", _xmp_date(meta.modified))
            + simple("xmp:MetadataDate", _xmp_date(meta.modified)),
        ),
        description(
            f'xmlns:{PREFIX}="{NAMESPACE}"',
            simple(f"{PREFIX}:edition", meta.edition) + simple(f"{PREFIX}:commit", meta.commit),
        ),
        description(
            'xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"\n'
            ' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"\n'
            ' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"',
            "<pdfaExtension:schemas><rdf:Bag>"
            '<rdf:li rdf:parseType="Resource">'
            "<pdfaSchema:schema>Dossier edition</pdfaSchema:schema>"
            f"<pdfaSchema:namespaceURI>{NAMESPACE}</pdfaSchema:namespaceURI>"
            f"<pdfaSchema:prefix>{PREFIX}</pdfaSchema:prefix>"
            f"<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>"
            "</rdf:li></rdf:Bag></pdfaExtension:schemas>",
        ),
    ]
    text = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        + "".join(blocks)
        + "</rdf:RDF>\n</x:xmpmeta>\n"
        + '<?xpacket end="r"?>'
    )
    return text.encode("utf-8")


def write_meta(out: pikepdf.Pdf, meta: PdfMeta) -> None:
    """Write /Info, the XMP packet, /Lang and the attachments of ``meta`` into ``out``."""
    from pikepdf import Dictionary, Name, String

    out.trailer.Info = out.make_indirect(
        Dictionary({key: String(value) for key, value in _info(meta).items()})
    )
    out.Root.Metadata = out.make_stream(xmp_packet(meta), Type=Name.Metadata, Subtype=Name.XML)
    out.Root.Lang = String(meta.language)
    if meta.attachments:
        _attach(out, meta)


def _attach(out: pikepdf.Pdf, meta: PdfMeta) -> None:
    """Embed every attachment, by name, as an associated file of the document."""
    from pikepdf import Array, Dictionary, Name, NameTree, String

    date = String(pdf_date(meta.modified))
    tree = NameTree.new(out)
    associated = Array()
    for attachment in sorted(meta.attachments, key=lambda a: a.name):
        stream = out.make_stream(
            attachment.data,
            Type=Name.EmbeddedFile,
            Subtype=Name("/" + attachment.mime),
            Params=Dictionary(
                Size=len(attachment.data),
                CheckSum=String(hashlib.md5(attachment.data, usedforsecurity=False).digest()),
                CreationDate=date,
                ModDate=date,
            ),
        )
        spec = out.make_indirect(
            Dictionary(
                Type=Name.Filespec,
                F=String(attachment.name),
                UF=String(attachment.name),
                Desc=String(attachment.description),
                AFRelationship=Name("/" + attachment.relationship),
                EF=Dictionary(F=stream, UF=stream),
            )
        )
        tree[attachment.name] = spec
        associated.append(spec)
    if "/Names" not in out.Root:
        out.Root.Names = Dictionary()
    out.Root.Names.EmbeddedFiles = tree.obj
    out.Root.AF = associated
