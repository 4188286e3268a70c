"""Reading tagged PDFs back: structure elements, the text they mark, /Info against XMP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name
from pypdf import PageObject, PdfReader


def kind(element: Any) -> str:
    """An element's structure type, "/P" for a paragraph."""
    return str(element.get("/S", ""))


def elements(pdf: pikepdf.Pdf) -> Iterator[Any]:
    """Every structure element reached from the root, checking each one's /P on the way."""
    root: Any = pdf.Root.StructTreeRoot
    stack: list[tuple[Any, Any]] = [(root, kid) for kid in root.K]
    while stack:
        parent, element = stack.pop()
        if not isinstance(element, Dictionary) or element.get("/Type") in (Name.OBJR, Name.MCR):
            continue
        assert element.P.objgen == parent.objgen, kind(element)
        yield element
        kids = element.get("/K", Array())
        listed = kids if isinstance(kids, Array) else [kids]
        stack.extend((element, kid) for kid in reversed(listed))


def marked(element: Any) -> Iterator[tuple[int, int]]:
    """(page object number, MCID) of the marked content under ``element``."""
    kids = element.get("/K", Array())
    for kid in kids if isinstance(kids, Array) else [kids]:
        if isinstance(kid, int):
            yield element.Pg.objgen[0], int(kid)
        elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
            page: Any = kid.get("/Pg", element.get("/Pg"))
            yield page.objgen[0], int(kid.MCID)
        elif isinstance(kid, Dictionary) and kid.get("/Type") != Name.OBJR:
            yield from marked(kid)


def page_texts(page: PageObject, number: int) -> dict[tuple[int, int], str]:
    """The text of each marked-content sequence of one page, by (``number``, MCID)."""
    found: dict[tuple[int, int], str] = {}
    open_ids: list[int | None] = []

    def before(op: bytes, args: Any, cm: Any, tm: Any) -> None:
        if op == b"BDC":
            open_ids.append(args[1].get("/MCID") if hasattr(args[1], "get") else None)
        elif op == b"BMC":
            open_ids.append(None)
        elif op == b"EMC":
            open_ids.pop()

    def text(value: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if open_ids and open_ids[-1] is not None:
            key = (number, int(open_ids[-1]))
            found[key] = found.get(key, "") + value

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return found


def notes(path: Path) -> dict[int, list[str]]:
    """Page index -> text of each /Note element on it."""
    with pikepdf.open(path) as pdf:
        content: dict[tuple[int, int], str] = {}
        numbers = [int(page.objgen[0]) for page in pdf.pages]
        for page, number in zip(PdfReader(path).pages, numbers, strict=True):
            content.update(page_texts(page, number))
        found: dict[int, list[str]] = {}
        for element in elements(pdf):
            if kind(element) == "/Note":
                text = "".join(content.get(key, "") for key in marked(element))
                index = numbers.index(element.Pg.objgen[0])
                found.setdefault(index, []).append(text.strip())
        return found


def moment(text: str) -> datetime:
    """A PDF date (``D:20261130120000+00'00'``) or an XMP one, as a datetime."""
    found = re.fullmatch(r"D:(\d{14})(?:Z|([+-]\d\d)'(\d\d)'?)?", text)
    if found is None:
        return datetime.fromisoformat(text)
    zone = f"{found[2]}:{found[3]}" if found[2] else "+00:00"
    return datetime.strptime(found[1] + zone, "%Y%m%d%H%M%S%z")


def check_info_is_xmp(info: Any, xmp: Any) -> None:
    """PDF/A: every /Info entry has the same value in the XMP packet."""
    pairs = {
        "/Title": "dc:title",
        "/Author": "dc:creator",
        "/Subject": "dc:description",
        "/Keywords": "pdf:Keywords",
        "/Creator": "xmp:CreatorTool",
        "/Producer": "pdf:Producer",
        "/CreationDate": "xmp:CreateDate",
        "/ModDate": "xmp:ModifyDate",
    }
    for key, name in pairs.items():
        if key not in info:
            continue
        value, said = str(info[key]), xmp.get(name)
        if key.endswith("Date"):
            assert moment(value) == moment(said), key
        else:
            assert (said == [value]) if key == "/Author" else (said == value), key
