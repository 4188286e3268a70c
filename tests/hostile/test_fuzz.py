"""Property-based fuzzing: any profile text through check and an HTML build, no crash.

Hypothesis writes profiles whose texts mix Markdown, footnote markers, HTML, links,
control and bidirectional characters, long words and huge numbers into every text
field of a valid profile, then runs ``check`` and, when check passes, ``build
--only html``. Each must end in a result or a :class:`DossierError` (a clear error
with exit status 1 or 2), never in another exception: that would be "internal
error" for a user.

The CI budget is ``DOSSIER_FUZZ_EXAMPLES`` examples (default 60, about 20 s); before
a release run ``DOSSIER_FUZZ_EXAMPLES=2000 pytest tests/hostile/test_fuzz.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.check.rules import check_project
from builder.errors import DossierError
from builder.publish.build import BuildOptions, build
from builder.source.load import load_project
from tests.conftest import TESTS

EXAMPLES = int(os.environ.get("DOSSIER_FUZZ_EXAMPLES", "60"))
PROFILE = "dossiers/groups/isi.yaml"

# Pieces an editor (or an attacker) might write; Hypothesis strings fill the gaps.
FRAGMENTS = [
    "[^1]",
    "[^2]",
    "[^0]",
    "[^",
    "*x*",
    "**",
    "`code`",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[link](javascript:alert(1))",
    "[link](https://example.org)",
    "![img](file:///etc/passwd)",
    "{{ 7*7 }}",
    "{% raw %}",
    "# heading",
    "> quote",
    "- item",
    "\n\n",
    "| a | b |\n|---|---|",
    "\u202e",
    "\u200b",
    "\u200d",
    "\x1b[31m",
    "\x07",
    "\x0c",
    "\x85",
    "x" * 400,
    "9" * 5000,
    "داعش",
    "Ḥaqqānī",
    "&amp;",
    "&#0;",
]

texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30)), min_size=1, max_size=6
).map("".join)


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    """The good project's ISI profile with fuzzed texts in every text field."""
    base: dict[str, Any] = yaml.safe_load(
        (TESTS / "projects/good" / PROFILE).read_text(encoding="utf-8")
    )
    base["name"] = draw(texts)
    base["summary"] = draw(texts)
    base["aliases"][0]["name"] = draw(texts)
    base["facts"]["type"][0]["value"] = draw(texts)
    paragraph = base["narrative"][0]["paragraphs"][0]
    paragraph["text"] = draw(texts)
    paragraph["attributed_to"] = draw(st.one_of(st.none(), texts))
    base["narrative"][0]["title"] = draw(texts)
    citation = base["facts"]["type"][0]["citations"][0]
    base["events"] = [
        {
            "date": draw(st.sampled_from(["2024", "~2024-09", "2024-09-30", "2024-13", "0"])),
            "title": draw(texts),
            "description": draw(st.one_of(st.none(), texts)),
            "place": draw(st.one_of(st.none(), texts)),
            "citations": [dict(citation)],
        }
    ]
    if draw(st.booleans()):
        base["events"][0]["note"] = draw(texts)
    return base


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(profile=profiles())
def test_no_profile_text_crashes_check_or_build(profile: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "project"
        shutil.copytree(TESTS / "projects/good", root)
        (root / PROFILE).write_text(
            yaml.safe_dump(profile, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        result = check_project(load_project(root))
        if result.errors:
            for diagnostic in result.errors:
                assert "\x1b" not in diagnostic.format()
            return
        with contextlib.suppress(DossierError):  # a clear error for the user: allowed
            build(root, BuildOptions(output=Path(folder) / "out", pdf=False))
