"""Hostile themes: a repository's template folder can neither run code, read files, nor crash.

A theme (``templates: theme`` in dossier.yaml) is data from the repository, rendered in
CI next to secrets. Each test writes a theme into a copy of the good project, runs
``dossier check`` and ``dossier build`` and asserts the exact message: templates are
sandboxed, read from the theme's own files only, and every failure names the template,
its line and, at build time, the output being rendered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from builder.check.rules import check_project
from builder.cli import main
from builder.errors import DossierError
from builder.render.html import environment, site_pages
from builder.source.load import load_project
from tests.conftest import TESTS, ProjectFactory

SETTINGS = (TESTS / "projects/good/dossier.yaml").read_text(encoding="utf-8") + "templates: theme\n"
EXTENDS = '{% extends "default:entity.html" %}\n'


@pytest.fixture
def themed(make_project: ProjectFactory) -> ProjectFactory:
    """The good project with ``templates: theme`` and these files in it."""
    return lambda files: make_project({"dossier.yaml": SETTINGS, **files})


def check(runner: CliRunner, root: Path) -> Result:
    """``dossier check`` on ``root``."""
    return runner.invoke(main, ["check", "-p", str(root)])


def build_html(runner: CliRunner, root: Path, out: Path) -> Result:
    """``dossier build --only html`` of ``root`` into ``out``."""
    return runner.invoke(main, ["build", "-p", str(root), "--only", "html", "--output", str(out)])


def output_text(out: Path) -> str:
    """Everything a build wrote under ``out``, as one text."""
    if not out.exists():
        return ""
    files = sorted(p for p in out.rglob("*") if p.is_file())
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in files)


@pytest.mark.parametrize(
    ("expression", "refused"),
    [
        # Jinja's own escape: from a global to Python's modules.
        (
            "cycler.__init__.__globals__.os.popen('id; touch {witness}').read()",
            "access to attribute '__init__' of 'type' object is unsafe.",
        ),
        # A public method is enough: pydantic's deprecated parse_raw unpickles, and a
        # pickle made of text calls os.system. The sandbox alone lets it through.
        (
            'settings.parse_raw("cos\\nsystem\\n(Vid; touch {witness}\\ntR.", '
            'content_type="pickle", allow_pickle=True)',
            "access to attribute 'parse_raw' of 'Settings' object is unsafe.",
        ),
        (
            "lipsum.__globals__['os'].popen('id; touch {witness}').read()",
            "access to attribute '__globals__' of 'function' object is unsafe.",
        ),
    ],
)
def test_template_runs_no_code(
    expression: str,
    refused: str,
    themed: ProjectFactory,
    runner: CliRunner,
    tmp_path: Path,
) -> None:
    witness = tmp_path / "witness"
    code = expression.format(witness=witness)
    root = themed(
        {"theme/entity.html": EXTENDS + "{% block title %}{{ " + code + " }}{% endblock %}\n"}
    )
    out = tmp_path / "out"
    result = build_html(runner, root, out)
    assert result.exit_code == 1
    assert (
        result.stderr == f"Error: theme/entity.html:2: {refused} (rendering html/asim-malik.html)\n"
    )
    assert not witness.exists()
    assert "uid=" not in result.output + output_text(out)


SYMLINK = "is a symbolic link; a theme is read from its own files only"


def test_check_refuses_every_symlink_in_the_theme(
    themed: ProjectFactory, runner: CliRunner
) -> None:
    """Even to a file of the repository: what a link reaches is not the theme's to say."""
    root = themed(
        {
            "theme/entity.html": EXTENDS
            + '{% block title %}{% include "notes.txt" %}{% endblock %}\n'
        }
    )
    (root / "theme/notes.txt").symlink_to("../dossier.yaml")
    (root / "theme/source.html").symlink_to("../dossier.yaml")
    result = check(runner, root)
    assert result.exit_code == 1
    assert result.stderr == (
        f"theme/entity.html:2:1: theme/notes.txt {SYMLINK}\n"
        f"theme/source.html:1:1: theme/source.html {SYMLINK}\n"
        "Error: check failed\n"
    )


def test_template_reads_no_secret_through_a_symlink(
    themed: ProjectFactory, runner: CliRunner, tmp_path: Path
) -> None:
    secret = tmp_path / "secrets.env"
    secret.write_text("TOKEN=s3cr3t-t0k3n\n", encoding="utf-8")
    root = themed(
        {
            "theme/entity.html": EXTENDS
            + '{% block title %}{% include "notes.txt" %}{% endblock %}\n'
        }
    )
    (root / "theme/notes.txt").symlink_to(secret)
    out = tmp_path / "out"
    result = build_html(runner, root, out)
    assert result.exit_code == 1
    assert f"theme/entity.html:2:1: theme/notes.txt {SYMLINK}\n" in result.stderr
    assert "s3cr3t" not in result.output + output_text(out)
    # Rendered without check (as `dossier diff --html` does), the link is refused too.
    project = load_project(root)
    pages = site_pages(
        project, check_project(project).index, environment(project), pdfs=set(), only=None
    )
    with pytest.raises(DossierError) as raised:
        pages["isi.html"]()
    assert raised.value.message == (
        f"theme/entity.html:2: theme/notes.txt {SYMLINK} (rendering html/isi.html)"
    )


def test_check_reports_a_syntax_error_at_its_line(
    themed: ProjectFactory, runner: CliRunner
) -> None:
    root = themed(
        {"theme/entity.html": EXTENDS + "\n{% block title %}{{ entity.name }{% endblock %}\n"}
    )
    result = check(runner, root)
    assert result.exit_code == 1
    assert result.stderr == "theme/entity.html:3:1: unexpected '}'\nError: check failed\n"


def test_check_reports_an_unknown_filter(themed: ProjectFactory, runner: CliRunner) -> None:
    root = themed({"theme/site.css": "body { color: {{ 'red' | shout }}; }\n"})
    result = check(runner, root)
    assert result.exit_code == 1
    assert result.stderr == "theme/site.css:1:1: No filter named 'shout'.\nError: check failed\n"


def test_check_reports_a_template_that_extends_itself(
    themed: ProjectFactory, runner: CliRunner, tmp_path: Path
) -> None:
    root = themed(
        {"theme/entity.html": '{#- Our entity page. -#}\n\n{% extends "entity.html" %}\n'}
    )
    result = check(runner, root)
    assert result.exit_code == 1
    assert result.stderr == (
        "theme/entity.html:3:1: extends 'entity.html', which is this template itself; "
        "to build on the default one, extend 'default:entity.html'\n"
        "Error: check failed\n"
    )
    built = build_html(runner, root, tmp_path / "out")
    assert built.exit_code == 1
    assert built.stderr.endswith(
        "Error: build refused: fix the problems above (dossier check lists them)\n"
    )


def test_check_reports_templates_that_extend_each_other(
    themed: ProjectFactory, runner: CliRunner
) -> None:
    root = themed(
        {
            "theme/base.html": '{% extends "layout.html" %}\n',
            "theme/layout.html": '{% extends "base.html" %}\n',
        }
    )
    result = check(runner, root)
    assert result.exit_code == 1
    assert result.stderr == (
        "theme/base.html:1:1: extends 'layout.html', which leads back here: "
        "theme/base.html -> theme/layout.html -> theme/base.html\n"
        "theme/layout.html:1:1: extends 'base.html', which leads back here: "
        "theme/layout.html -> theme/base.html -> theme/layout.html\n"
        "Error: check failed\n"
    )


def test_check_reports_an_include_that_does_not_exist(
    themed: ProjectFactory, runner: CliRunner
) -> None:
    root = themed(
        {
            "theme/profile.html": '{% include "default:profile.html" %}\n'
            '{% include "sidebar.html" %}\n{% include "maybe.html" ignore missing %}\n'
        }
    )
    result = check(runner, root)
    assert result.exit_code == 1
    assert result.stderr == (
        "theme/profile.html:2:1: template 'sidebar.html' does not exist\nError: check failed\n"
    )


def test_a_good_theme_passes_check(themed: ProjectFactory, runner: CliRunner) -> None:
    root = themed(
        {
            "theme/entity.html": EXTENDS + "{% block title %}{{ entity.name }}{% endblock %}\n",
            "theme/logo.png": b"\x89PNG\r\n\x1a\n\xff\xfe",  # an asset, not a template
        }
    )
    result = check(runner, root)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_build_names_template_line_and_page_of_an_undefined_attribute(
    themed: ProjectFactory, runner: CliRunner, tmp_path: Path
) -> None:
    root = themed(
        {"theme/entity.html": EXTENDS + "{% block title %}\n\n{{ entity.nope }}{% endblock %}\n"}
    )
    assert check(runner, root).exit_code == 0  # only rendering can tell
    result = build_html(runner, root, tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: theme/entity.html:4: 'builder.render.views.EntityView object' has no "
        "attribute 'nope' (rendering html/asim-malik.html)\n"
    )


def test_build_names_the_pdf_part_being_rendered(
    themed: ProjectFactory, runner: CliRunner, tmp_path: Path
) -> None:
    root = themed(
        {
            "theme/pdf.html": '{% extends "default:pdf.html" %}'
            "{% block cover %}{{ book.nope }}{% endblock %}\n"
        }
    )
    out = tmp_path / "out"
    args = ["build", "-p", str(root), "--only", "pdf", "--entity", "isi", "--output", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: theme/pdf.html:1: 'builder.render.book.BookInfo object' has no "
        "attribute 'nope' (rendering pdf/isi.pdf, cover)\n"
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            EXTENDS + "{% block title %}{{ entity.name }{% endblock %}\n",
            "theme/entity.html:2: unexpected '}' (rendering html/isi.html)",
        ),
        (
            '{% extends "entity.html" %}\n',
            "theme/entity.html:1: templates extend, include or call one another without end "
            "(rendering html/isi.html)",
        ),
        (
            EXTENDS + "{% block title %}{{ 1 / 0 }}{% endblock %}\n",
            "theme/entity.html:2: ZeroDivisionError: division by zero (rendering html/isi.html)",
        ),
    ],
)
def test_rendering_without_check_fails_with_the_template_line(
    template: str, message: str, themed: ProjectFactory
) -> None:
    """What check refuses still fails cleanly when rendered (``dossier diff --html`` renders unchecked)."""
    project = load_project(themed({"theme/entity.html": template}))
    index = check_project(project).index
    pages = site_pages(project, index, environment(project), pdfs=set(), only=None)
    with pytest.raises(DossierError) as raised:
        pages["isi.html"]()
    assert raised.value.message == message
