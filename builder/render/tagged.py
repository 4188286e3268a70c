"""The structure tree of tagged PDFs: from each part as WeasyPrint writes it, to one tree.

Every part is written as PDF/A-3a, so WeasyPrint tags it: one /Document element whose
kids are the page's boxes, a /ParentTree from marked content back to elements, link
annotations in /Link elements. Two things it leaves undone are done here.

While a part is written (:func:`finish_part`, given to WeasyPrint as its finisher):

- footnotes. WeasyPrint moves a footnote's box into the page's footnote area and tags
  that area as an anonymous /NonStruct after the page's other top-level elements; the
  footnote itself, a ``span``, becomes a /Span. We know from the layout which pages
  have a footnote area and how many footnotes it holds, so each of those elements is
  re-typed /Note and given an /ID, as PDF/UA asks of notes. The area stays /NonStruct,
  which readers treat as transparent. If the tree is not shaped as expected (a
  WeasyPrint upgrade), the part fails rather than silently losing its notes.
- element ids. WeasyPrint names table header cells after PDF object numbers, which
  repeat from part to part; every /ID (and every /Headers entry naming one) gets the
  part's prefix, and the part records an /IDTree.
- running headers and footers. WeasyPrint tags margin boxes but keeps them out of the
  tree (only PDF 2.0 could mark them as artifacts); their elements still name the
  part's /Document as parent. The part lists them under ``/DossierMargins`` in its
  structure root, so that assembly can point them at the merged tree's /Document
  without walking the tree.

While parts are joined (:func:`merge_structure`): one /StructTreeRoot whose /K is one
/Document holding every part's top-level elements in page order, one /ParentTree with
each part's keys shifted past the previous parts' (and the pages' /StructParents and
annotations' /StructParent shifted alike), one /IDTree, /RoleMap and /ClassMap merged.
pikepdf copies objects of one source PDF through one object map (QPDF's
``copyForeignObject``), so the elements' /Pg and the link elements' /OBJR /Obj, copied
after the pages, point at the pages and annotations already in the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from builder.render.pdf import PdfError

if TYPE_CHECKING:
    import pikepdf

__all__ = ["MARGINS", "finish_part", "merge_structure"]

# Key of the part's structure root listing margin-box elements (see the module notes).
MARGINS = "DossierMargins"


def finish_part(document: Any, pdf: Any, prefix: str) -> None:
    """WeasyPrint finisher: notes, prefixed element ids, an /IDTree, margin elements.

    ``document`` is WeasyPrint's laid-out document, ``pdf`` the ``pydyf.PDF`` it
    is about to write, ``prefix`` a string unique to the part (made of its content).

    Raises:
        PdfError: when a page's footnote area is not where WeasyPrint puts it.

    """
    import pydyf  # type: ignore[import-untyped]
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox, MarginBox

    objects = pdf.objects

    def get(reference: bytes) -> Any:
        return objects[int(reference.split()[0])]

    root = get(pdf.catalog["StructTreeRoot"])
    top = get(root["K"][0])
    kids = [get(reference) for reference in top["K"]]

    # Ids first, so that the notes' ids below are not prefixed twice.
    renamed: dict[int, Any] = {}
    elements: list[Any] = [
        o for o in objects if isinstance(o, dict) and o.get("Type") == "/StructElem"
    ]
    for element in elements:
        names = [element["ID"]] if "ID" in element else []
        attributes = element.get("A")
        if isinstance(attributes, dict):
            names.extend(attributes.get("Headers", ()))
        for name in names:
            if id(name) not in renamed:  # WeasyPrint shares one String per header
                name.string = f"{prefix}-{name.string}"
                renamed[id(name)] = name

    by_page: dict[bytes, list[Any]] = {}
    for kid in kids:
        by_page.setdefault(kid["Pg"], []).append(kid)
    for number, (page, reference) in enumerate(
        zip(document.pages, pdf.page_references, strict=True)
    ):
        # The page box's children: root box, footnote area and note area (if not
        # empty), margin boxes. Top-level elements follow that order; the note area
        # gives exactly one, margin boxes none (they are kept out of the tree).
        children = page._page_box.children
        areas = [i for i, child in enumerate(children) if isinstance(child, FootnoteAreaBox)]
        if not areas:
            continue
        after = sum(not isinstance(child, MarginBox) for child in children[areas[0] + 1 :])
        own = by_page.get(reference, [])
        area = own[-1 - after] if len(own) > after else None
        if (
            area is None
            or area["S"] != "/NonStruct"
            or len(area["K"]) != len(children[areas[0]].children)
        ):
            raise PdfError(f"page {number + 1}: footnotes not found in the structure tree")
        for index, note_reference in enumerate(area["K"], 1):
            note = get(note_reference)
            note["S"] = "/Note"
            note["ID"] = pydyf.String(f"{prefix}-note-{number + 1}-{index}")

    ids = sorted(
        (element["ID"].string, element.reference) for element in elements if "ID" in element
    )
    if ids:
        root["IDTree"] = pydyf.Dictionary(
            {
                "Names": pydyf.Array(
                    [part for pair in ids for part in (pydyf.String(pair[0]), pair[1])]
                )
            }
        )
    listed = {bytes(reference) for reference in top["K"]}
    margins = [
        element.reference
        for element in elements
        if element.get("P") == top.reference and element.reference not in listed
    ]
    if margins:
        root[MARGINS] = pydyf.Array(margins)


def merge_structure(
    out: pikepdf.Pdf, sources: Sequence[pikepdf.Pdf], offsets: Sequence[int]
) -> None:
    """Give ``out`` one structure tree made of every source's, in order.

    ``sources[i]``'s pages must already be in ``out`` from page ``offsets[i]`` on,
    copied with ``out.pages.extend`` (so that copies share pikepdf's object map).

    Raises:
        PdfError: when a part is not tagged, or two parts disagree on an id or a role.

    """
    from pikepdf import Array, Dictionary, Name, NameTree, NumberTree

    root = out.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root))
    kids: list[Any] = []
    parents: dict[int, Any] = {}
    ids: dict[str, Any] = {}
    maps: dict[str, dict[str, Any]] = {"/RoleMap": {}, "/ClassMap": {}}
    base = 0
    for number, (source, offset) in enumerate(zip(sources, offsets, strict=True)):
        if "/StructTreeRoot" not in source.Root:
            raise PdfError(f"part {number + 1} is not tagged")
        tree = out.copy_foreign(source.Root.StructTreeRoot)
        top = tree.K if isinstance(tree.K, Array) else [tree.K]
        for element in top:
            if element.get("/S") == Name.Document:  # WeasyPrint's: its kids are ours
                inner = element.get("/K", Array())
                kids.extend(inner if isinstance(inner, Array) else [inner])
            else:
                kids.append(element)
        for element in tree.get(f"/{MARGINS}", Array()):
            element.P = document

        numbers = NumberTree(tree.ParentTree)
        keys = [key for key, _ in numbers.items()]
        for key, value in numbers.items():
            parents[base + key] = value
        for index in range(len(source.pages)):
            page = out.pages[offset + index].obj
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + base
            for annot in page.get("/Annots", ()):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + base
        base += max(int(tree.get("/ParentTreeNextKey", 0)), max(keys, default=-1) + 1)

        if "/IDTree" in tree:
            for name, element in NameTree(tree.IDTree).items():
                if name in ids:
                    raise PdfError(f"structure element id {name!r} is in two parts")
                ids[name] = element
        for entry, merged in maps.items():
            for name, value in tree.get(entry, Dictionary()).items():
                if name in merged and repr(merged[name]) != repr(value):
                    raise PdfError(f"parts map the structure type {name} differently")
                merged[name] = value

    for kid in kids:
        if isinstance(kid, Dictionary) and "/P" in kid:
            kid.P = document
    document.K = Array(kids)
    root.K = Array([document])
    parent_tree = NumberTree.new(out)
    for key in sorted(parents):
        parent_tree[key] = parents[key]
    root.ParentTree = parent_tree.obj
    root.ParentTreeNextKey = base
    if ids:
        id_tree = NameTree.new(out)
        for name in sorted(ids):
            id_tree[name] = ids[name]
        root.IDTree = id_tree.obj
    for entry, merged in maps.items():
        if merged:
            root[entry] = Dictionary(dict(sorted(merged.items())))
    out.Root.StructTreeRoot = root
    out.Root.MarkInfo = Dictionary(Marked=True)
    out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
