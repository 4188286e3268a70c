"""One PDF from separately laid-out parts, with pikepdf: pages, links, outline, labels, tags.

A book costs the sum of its chapters only if no chapter's layout depends on another:
each part (cover, contents, chapter, appendix) is laid out on its own and cached, and
this module joins them. It keeps what a reader relies on across the joins:

- every named destination of every part, in one name tree, so internal links work;
- links that a part could not resolve on its own (``dossier-part:ANCHOR`` URIs, see
  :mod:`builder.render.pdf`) turned back into internal links (the same annotation
  objects, so their /Link structure elements still point at them);
- one outline (bookmarks) built from every part's bookmarks;
- page labels: "Cover", the contents numbered i, ii, … (a short dossier has none), the
  body 1, 2, … across all parts, the numbers the contents print;
- one structure tree made of every part's (see :mod:`builder.render.tagged`), the
  first part's sRGB output intent, so that the whole stays PDF/A-3a;
- the document's metadata: from a :class:`PdfMeta` when one is given (/Info, a
  hand-built XMP packet, /Lang, attached files: :mod:`builder.render.pdfmeta`), else
  the cover's (title, author, subject, keywords, dates, language, XMP).

Output bytes depend only on the parts and the meta.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from typing import Any

from builder.render.pdf import CROSS_PREFIX, PartResult, PdfError
from builder.render.pdfmeta import Attachment, PdfMeta, write_meta
from builder.render.tagged import merge_structure

__all__ = ["Attachment", "PdfMeta", "assemble"]

_INFO_KEYS = (
    "/Title",
    "/Author",
    "/Subject",
    "/Keywords",
    "/Creator",
    "/Producer",
    "/CreationDate",
    "/ModDate",
)


def assemble(
    name: str,
    cover: PartResult,
    contents: PartResult | None,
    body: Sequence[PartResult],
    *,
    meta: PdfMeta | None = None,
) -> bytes:
    """Join ``cover`` (unnumbered), ``contents`` (i, ii, …; or none) and ``body`` (1, 2, …).

    With ``meta``, the PDF's /Info, XMP, language and attachments come from it;
    without, from the cover.

    Raises:
        PdfError: when a link points at an anchor that no part has, or a part is
            not tagged.

    """
    import pikepdf
    from pikepdf import Array, Dictionary, Name, NameTree, OutlineItem, String

    out = pikepdf.Pdf.new()
    front = (cover,) if contents is None else (cover, contents)
    opened = [pikepdf.Pdf.open(io.BytesIO(part.pdf)) for part in (*front, *body)]
    dests: dict[str, pikepdf.Array] = {}
    offsets: list[int] = []
    for source in opened:
        offset = len(out.pages)
        offsets.append(offset)
        positions = {page.obj.objgen: i for i, page in enumerate(source.pages)}
        with warnings.catch_warnings():
            # pikepdf warns that extend() drops named destinations: they are rebuilt below.
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            out.pages.extend(source.pages)
        names = source.Root.get("/Names")
        if names is None or "/Dests" not in names:
            continue
        for anchor, dest in NameTree(names.Dests).items():
            index = positions.get(dest[0].objgen)
            if index is None or anchor in dests:
                continue  # as WeasyPrint does: the first anchor of a name wins
            target = out.pages[offset + index].obj
            dests[anchor] = Array([target, Name.XYZ, dest[2], dest[3], 0])

    missing: set[str] = set()
    for page in out.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(CROSS_PREFIX):
                continue
            anchor = uri.removeprefix(CROSS_PREFIX)
            if anchor not in dests:
                missing.add(anchor)
                continue
            del annot["/A"]
            annot.Dest = String(anchor)
    if missing:
        raise PdfError(f"{name}: no anchor for internal link(s) #{', #'.join(sorted(missing))}")

    tree = NameTree.new(out)
    for anchor in sorted(dests):
        tree[anchor] = dests[anchor]
    out.Root.Names = Dictionary(Dests=tree.obj)

    with out.open_outline() as outline:
        stack: list[tuple[int, Any]] = [(0, outline.root)]
        for part, offset in zip((*front, *body), offsets, strict=True):
            for level, label, page_index, x, y, _closed in part.bookmarks:
                while stack[-1][0] >= level:
                    stack.pop()
                place = Array([out.pages[offset + page_index].obj, Name.XYZ, x, y, 0])
                item = OutlineItem(label, place)
                stack[-1][1].append(item)
                stack.append((level, item.children))

    labels: list[Any] = [0, Dictionary(P=String("Cover"))]
    if contents is not None:
        labels += [cover.pages, Dictionary(S=Name.r)]
    labels += [sum(part.pages for part in front), Dictionary(S=Name.D)]
    out.Root.PageLabels = Dictionary(Nums=Array(labels))
    try:
        merge_structure(out, opened, offsets)
    except PdfError as error:
        raise PdfError(f"{name}: {error.message}") from None
    if "/OutputIntents" in opened[0].Root:  # direct objects: copy_foreign takes indirect ones
        out.Root.OutputIntents = Array(
            [
                Dictionary(
                    {
                        key: out.copy_foreign(value) if value.is_indirect else value
                        for key, value in intent.items()
                    }
                )
                for intent in opened[0].Root.OutputIntents
            ]
        )
    if meta is not None:
        write_meta(out, meta)
    else:
        info = opened[0].trailer.get("/Info")
        if info is not None:
            out.trailer.Info = out.make_indirect(
                Dictionary({key: String(str(info[key])) for key in _INFO_KEYS if key in info})
            )
        if "/Lang" in opened[0].Root:
            out.Root.Lang = String(str(opened[0].Root.Lang))
        if "/Metadata" in opened[0].Root:
            out.Root.Metadata = out.copy_foreign(opened[0].Root.Metadata)

    buffer = io.BytesIO()
    out.save(
        buffer,
        deterministic_id=True,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        min_version="1.7",
        fix_metadata_version=False,  # the XMP is ours; not parsed again (nor lxml loaded)
    )
    for source in opened:
        source.close()
    return buffer.getvalue()
