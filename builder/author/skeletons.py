"""The texts ``dossier init`` and ``dossier new`` write: settings, guides and skeletons.

Skeletons are commented: each field says what goes there, and every value the
editor must supply is left as ``""`` (or ``0`` for a grade), which ``dossier check``
reports with its line, so a half-filled skeleton can never pass as a profile.
Optional parts are commented out. Every skeleton is already in ``dossier fmt``'s
layout. ``@NAME@`` marks what :mod:`builder.author.scaffold` fills in.
"""

from __future__ import annotations

__all__ = [
    "BOOK",
    "GITIGNORE",
    "GRADING",
    "GROUP",
    "PERSON",
    "PRE_COMMIT",
    "README",
    "SETTINGS",
    "SOURCE",
]

SETTINGS = """\
# yaml-language-server: $schema=schemas/settings.schema.json
title: @TITLE@  # title of the collection, on the site and on covers
marking: @MARKING@  # default handling marking printed on every page
as_of: "@AS_OF@"  # default as-of date of publications: "2024", "2024-09" or "2024-09-30"
# templates: theme  # a folder of template overrides (README, "Templates")
"""

_CITATION = """\
{indent}- source: ""  # id of an archived source in seeds/ (`dossier new source FILE`)
{indent}  locator: ""  # its paragraph: "¶3" or "¶3-4" (non-blank lines, from 1)
{indent}  quote: ""  # the words relied on, verbatim from that paragraph; … for a gap
{indent}  credibility: 0  # 1 confirmed, 2 probably true … 6 cannot be judged
"""
_CITATION_SHORT = """\
{indent}- source: ""
{indent}  locator: ""
{indent}  quote: ""
{indent}  credibility: 0
"""

_HEAD = (
    """\
# yaml-language-server: $schema=../../schemas/profile.schema.json
# Replace every "" and 0 below (`dossier check` points at each one left), delete the
# parts you do not need and cite every item with a verbatim quote from an archived
# source. Grades: dossiers/GRADING.md; every field: README, "Writing a profile".
id: @ID@  # the file name without .yaml; other profiles link to it
kind: @KIND@
name: ""  # preferred name, as most sources write it
aliases:  # other names and spellings, each with the sources that use it
  - name: ""
    citations:
"""
    + _CITATION.format(indent="      ")
    + """\
summary: ""  # one or two sentences for indexes and covers (Markdown)
facts:  # each fact is a list of claims: competing values go side by side
"""
)

_TAIL = (
    """\
# narrative:  # titled sections of cited Markdown paragraphs
#   - title: Background
#     paragraphs:
#       - text: ""
#         citations: []
relationships:  # links to other profiles, written once: the inverse is derived
  - type: @RELATION@  # leads, member_of, part_of, ally_of, opposes … (README)
    target: ""  # id of the other profile
    citations:
"""
    + _CITATION_SHORT.format(indent="      ")
    + """\
# events:  # a timeline: - date, title, place, participants, citations
# assessments:  # judgments (ICD 203): judgment, by, likelihood, confidence, citations
as_of: ""  # date up to which the profile reflects its sources: "2024-09"
reviewed: ""  # date an editor last reviewed the whole profile: "2026-11-24"
"""
)

PERSON = (
    _HEAD.replace("@KIND@", "person")
    + """\
  positions:  # also rank, nationality, education, training, family
    - value: ""  # the fact, as a short phrase
      entity: null  # id of the organisation, if it has a profile
      citations:
"""
    + _CITATION_SHORT.format(indent="        ")
    + _TAIL.replace("@RELATION@", "member_of")
)

GROUP = (
    _HEAD.replace("@KIND@", "group")
    + """\
  type:  # what kind of organisation; also founded, leaders, size, areas, ideology, designations
    - value: ""  # the fact, as a short phrase
      citations:
"""
    + _CITATION_SHORT.format(indent="        ")
    + _TAIL.replace("@RELATION@", "part_of")
)

BOOK = """\
# yaml-language-server: $schema=../../schemas/book.schema.json
# A briefing book: one PDF holding the profiles below, in reading order.
id: @ID@  # the file name without .yaml
title: ""  # title on the cover
# subtitle: ""  # optional subtitle on the cover
audience: ""  # who the book is for, printed on the cover
# marking: "TLP:AMBER"  # optional; defaults to the marking in dossier.yaml
# as_of: "2024-09"  # optional; defaults to the as_of in dossier.yaml
entities:  # ids of the profiles it holds, in reading order
  - ""
"""

SOURCE = """\
# yaml-language-server: $schema=../schemas/source.schema.json
# Describe the archived document as the text itself supports it; grade it as
# dossiers/GRADING.md says. Replace every "" (`dossier check` points at each one left).
id: @ID@  # the file name without .yaml; citations name it
title: ""  # title as published (or yours, said so in notes)
author: null  # author as named in the text; null if unnamed
publisher: null  # outlet as named in the text; null if unnamed
published: ""  # "2024-09-30", "~2024-09"; null when the text does not support a date
# published_note: ""  # with published: null, why the date is unknown or how it was inferred
url: null  # "https://…" if known
retrieved: "@TODAY@"  # when it was archived
file: @FILE@  # the archived text in seeds/, byte for byte as published
sha256: @SHA256@
language: ""  # BCP 47 tag: en, fa, ur, ps …
kind: ""  # news, analysis, opinion, advocacy or partisan
reliability: ""  # NATO/Admiralty A (completely reliable) … E (unreliable), F (cannot judge)
reliability_reason: ""  # one line: why this grade
notes: []  # editor's notes on the document, one string each
"""

GITIGNORE = """\
# What `dossier build` writes: the site, the PDFs and their manifest (output/),
# and past editions rebuilt with `dossier build --at REV` (editions/). The build
# cache lives outside the repository (~/.cache/dossier or $DOSSIER_CACHE_DIR).
output/
editions/
"""

PRE_COMMIT = """\
# Install with `pre-commit install`. The hooks run the `dossier` command found on
# your PATH, so they check exactly what CI and builds check.
repos:
  - repo: local
    hooks:
      - id: dossier-check
        name: dossier check --strict
        entry: dossier check --strict
        language: system
        pass_filenames: false
        files: ^(dossiers/|seeds/|dossier\\.yaml$)
      - id: dossier-fmt
        name: dossier fmt --check
        entry: dossier fmt --check
        language: system
        files: ^(dossiers/(people|groups|books)/[^/]+\\.yaml|seeds/[^/]+\\.yaml|dossier\\.yaml)$
"""

README = """\
# @TITLE@

A dossier repository: cited, quote-verified profiles of people and groups,
published with Dossier as a website and PDFs.

```text
dossier.yaml              settings: title, default marking, as-of date
dossiers/people/<id>.yaml one profile per person   (dossier new person ID)
dossiers/groups/<id>.yaml one profile per group    (dossier new group ID)
dossiers/books/<id>.yaml  briefing books           (dossier new book ID)
dossiers/GRADING.md       how sources and citations are graded
seeds/                    archived sources: text + metadata (dossier new source FILE)
schemas/                  JSON Schemas for completion in your editor
```

```sh
dossier new source article.txt --id seed-000   # archive a source, then describe it
dossier new person jane-doe                    # a commented profile skeleton
dossier fmt                                    # canonical layout, comments kept
dossier check --strict                         # every problem, compiler-style
dossier build                                  # output/html/ and output/pdf/
pre-commit install                             # check and fmt before every commit
```
"""

GRADING = """\
# How this repository is graded

Every citation carries two grades, printed together as e.g. **C2**: the letter is the
*source's* reliability (set once per source in `seeds/<id>.yaml`), the digit is the
*credibility of this piece of information* (set per citation). They are judged separately:
a weak source can carry a confirmed fact, and a good source can repeat a doubtful claim.

## Source reliability (NATO/Admiralty, A–F)

| grade | meaning |
| --- | --- |
| A | Completely reliable: no doubt of authenticity, trustworthiness or competence; always right |
| B | Usually reliable: minor doubts; a history of mostly valid information |
| C | Fairly reliable: doubts; has provided valid information in the past |
| D | Not usually reliable: significant doubts |
| E | Unreliable: lacking authenticity, trustworthiness and competence |
| F | Reliability cannot be judged |

## Information credibility (NATO/Admiralty, 1–6)

| grade | meaning |
| --- | --- |
| 1 | Confirmed by other independent sources; logical; consistent with other information |
| 2 | Probably true: not confirmed, but logical and consistent with other information |
| 3 | Possibly true: not confirmed; reasonably logical; agrees with some other information |
| 4 | Doubtful: not confirmed; possible but not logical; no other information on the subject |
| 5 | Improbable: not confirmed; not logical; contradicted by other information |
| 6 | Truth cannot be judged |

## Our rules for the digit

Write down how this desk applies the scale, with examples from your sources. A common start:

1. **1** only when another source, independent of the first, states the same thing.
2. **2** for a plain factual statement by the source itself (not second-hand), plausible and
   not contradicted: appointments, ranks, quoted words whose wording we verify.
3. **3** for second-hand claims the source attributes to others ("officials said", "is
   believed to"), for unsourced figures, and for an analyst's characterisations.
4. **4** for a party's allegation about its adversary, for claims from partisan or advocacy
   sources that no other source supports, and for statements the editor suspects are errors.
5. **5** when the information is contradicted by other sources.
6. **6** when there is nothing to weigh it against.

A verified quote proves that the source *says* something, never that it is true: the grade
says how far to trust it. Allegations keep `status: alleged` (or `disputed`, `denied`) and name
who makes them in `attributed_to`, whatever their grade.

## Analytic judgments (ICD 203)

Assessments are kept apart from facts and say whose judgment they are. Likelihood terms:
almost no chance (01–05 %), very unlikely (05–20 %), unlikely (20–45 %), roughly even chance
(45–55 %), likely (55–80 %), very likely (80–95 %), almost certain (95–99 %). Confidence (low,
moderate, high) rates the sourcing and reasoning behind the judgment, not its probability.
When an assessment records a source's own judgment, the likelihood term is the editor's
reading of the source's wording.

## Locators

`¶N` is the N-th non-blank line of the archived file, counted from 1 (`¶N-M` for a range).
`dossier check` verifies that each quote is in the paragraph(s) named.

## The sources

| id | source | kind | grade | why |
| --- | --- | --- | --- | --- |
"""
