"""No script from a submission runs in the instructor's browser: real nbgrader,
a real Jupyter server with formgrader, and Debian's Chromium driven by Playwright.

One scratch copy of the course (the attack suite's small assignment) gets
three submissions: `xss`, with every payload below in a markdown cell and in
outputs its code produces while it is graded; `honest`, which draws a
matplotlib plot; and `unsanitized`, the `xss` notebook autograded with
`SanitizeStudentHTML` left out of the pipeline. Each payload, if it runs,
pushes its number onto `window.__xss` (one calls `alert`, one fetches
`/api/status?xss=...`, which the test intercepts). The unsanitized pages
prove that the detector sees payloads run; the sanitized formgrader page and
feedback must run none, and the honest plot must still show.
"""

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.classroom import nbgrader_course

from browser import SCREENSHOTS, JupyterServer, chromium  # noqa: F401 (chromium is a fixture)

ASSIGNMENT = "attack_target"
COURSE_SOURCE = Path(__file__).resolve().parent.parent / "attacks" / "course" / "source"
SANITIZER = "autograder.plugins.sanitize_student_html.SanitizeStudentHTML"
RAN = "(window.__xss=window.__xss||[]).push({})"

# Payloads in a markdown cell the student adds: number -> markdown.
MARKDOWN_PAYLOADS = {
    1: f"<script>{RAN.format(1)}</script>",
    2: f'<img src="x" onerror="{RAN.format(2)}">',
    3: f'<svg onload="{RAN.format(3)}"><circle r="2"/></svg>',
    4: f'<details open ontoggle="{RAN.format(4)}"><summary>details</summary>text</details>',
    5: f'<a class="payload" href="javascript:{RAN.format(5)}">an HTML link</a>',
    6: f"[a markdown link](javascript:{RAN.format(6)})",
    7: '<img src="y" onerror="alert(7)">',
    8: "<img src=\"z\" onerror=\"fetch('/api/status?xss=8')\">",
}
# Code the student adds; its outputs are made while nbgrader grades it: number -> code.
OUTPUT_PAYLOADS = {
    11: f"display(HTML('<img src=\"x\" onerror=\"{RAN.format(11)}\">'))",
    12: f"display(HTML('<script>{RAN.format(12)}</script>'))",
    13: f"display(Markdown('<img src=\"x\" onerror=\"{RAN.format(13)}\"> [md](javascript:{RAN.format(14)})'))",
    15: f"display(Javascript('{RAN.format(15)}'))",
    16: f"display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"{RAN.format(16)}\"><circle r=\"2\"/></svg>'))",
    17: ("display({'application/vnd.jupyter.widget-view+json': {'model_id': 'x', 'version_major': 2, "
         f"'version_minor': 0}}, 'text/plain': 'a widget'}}, raw=True)"),
    18: ("display({'image/png': 'AAAA'}, raw=True, metadata={'image/png': "
         f"{{'width': '1 onerror={RAN.format(18)} x'}}}})"),
    19: f"display(HTML('<details open ontoggle=\"{RAN.format(19)}\">x</details>'))",
}
# What runs in Chromium when nothing is sanitized (an SVG output is drawn as an
# <img>, where its script cannot run; a widget view needs a widget manager).
RUN_UNSANITIZED = {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 18, 19}


def _xss_notebook(source):
    notebook = nbformat.from_dict(json.loads(json.dumps(source)))
    notebook.cells.append(nbformat.v4.new_markdown_cell(
        "My answer, with some HTML:\n\n" + "\n\n".join(MARKDOWN_PAYLOADS.values())))
    code = ["from IPython.display import display, HTML, Markdown, Javascript, SVG", *OUTPUT_PAYLOADS.values()]
    notebook.cells.append(nbformat.v4.new_code_cell("\n".join(code)))
    return notebook


def _honest_notebook(source):
    notebook = nbformat.from_dict(json.loads(json.dumps(source)))
    notebook.cells.append(nbformat.v4.new_markdown_cell(
        "## My loss curve\n\n* training loss falls\n* `val_loss` too\n\n> as expected\n\n"
        "| epoch | loss |\n|---|---|\n| 1 | 0.5 |\n\nMath: $x^2$"))
    notebook.cells.append(nbformat.v4.new_code_cell(
        # No %matplotlib line: the sandboxed kernel shows figures inline, as JupyterLab does.
        "import matplotlib.pyplot as plt\nplt.plot(history.history['loss'], label='loss')\nplt.legend()\nplt.show()"))
    return notebook


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory, record_timing):
    """The course with `xss`, `honest` and `unsanitized` autograded, and feedback for each."""
    course = tmp_path_factory.mktemp("xss-course")
    shutil.copy2(Path(__file__).resolve().parent.parent.parent / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(COURSE_SOURCE, course / "source")
    nbgrader_course.generate_assignment(course, ASSIGNMENT)
    source = nbformat.read(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    nbgrader_course.submit(course, ASSIGNMENT, "xss", _xss_notebook(source))
    nbgrader_course.submit(course, ASSIGNMENT, "unsanitized", _xss_notebook(source))
    nbgrader_course.submit(course, ASSIGNMENT, "honest", _honest_notebook(source))
    # The unsanitized copy is graded by the same pipeline without the sanitizer
    # (nbgrader's command line outranks nbgrader_config.py).
    pipeline = _autograde_pipeline(course)
    assert pipeline[-1] == SANITIZER, pipeline
    without_sanitizer = [f"--Autograde.autograde_preprocessors={name}" for name in pipeline[:-1]]
    db_url = nbgrader_course.sqlite_gradebook_url(course)
    for student in ("xss", "honest", "unsanitized"):  # One at a time: faster than three at once on 2 cores.
        start = time.perf_counter()
        nbgrader_course.run_nbgrader(course, "autograde", ASSIGNMENT, "--student", student, "--force",
                                     *(without_sanitizer if student == "unsanitized" else ()), db_url=db_url)
        record_timing(f"browser test: autograde {student}", time.perf_counter() - start)
    assert _autograde_pipeline(course)[-1] == SANITIZER
    start = time.perf_counter()
    nbgrader_course.run_nbgrader(course, "generate_feedback", ASSIGNMENT, "--force", db_url=db_url)
    record_timing("browser test: generate_feedback for 3 students", time.perf_counter() - start)
    return course


def _autograde_pipeline(course):
    """`Autograde.autograde_preprocessors` as the course's nbgrader_config.py sets it."""
    completed = subprocess.run(
        [sys.executable, "-c", "from traitlets.config.loader import PyFileConfigLoader\n"
         "config = PyFileConfigLoader('nbgrader_config.py', path='.').load_config()\n"
         "print('\\n'.join(config.Autograde.autograde_preprocessors))"],
        cwd=course, capture_output=True, text=True, check=True, env=nbgrader_course.nbgrader_environment())
    return completed.stdout.split()


def _autograded(course, student):
    return nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def _feedback(course, student):
    return course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"


@pytest.fixture(scope="module")
def formgrader(graded_course):
    """A Jupyter server with nbgrader's formgrader on 127.0.0.1; returns a function giving a student's page URL."""
    from nbgrader.api import Gradebook

    with JupyterServer("server", graded_course, graded_course / "jupyter-server.log") as server:

        def submission_url(student):
            with Gradebook(nbgrader_course.sqlite_gradebook_url(graded_course)) as gradebook:
                submission_id = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).id
            return server.url(f"/formgrader/submissions/{submission_id}/")

        yield submission_url


def _visit(chromium, url, screenshot):
    """Opens `url`, lets its scripts run, clicks its `javascript:` links; returns what ran.

    Returns:
        A dict: `ran` (payload numbers pushed onto `window.__xss`),
        `dialogs`, `fetched` (payload numbers fetched from /api/status),
        `title`, and `plots` (natural widths of the output images).
    """
    page = chromium.new_page()
    dialogs, fetched = [], []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    def route(request_route):
        url_of_request = request_route.request.url
        if "xss=" in url_of_request:
            fetched.append(int(url_of_request.split("xss=")[1].split("&")[0]))
        if url_of_request.startswith(("http://127.0.0.1", "file://", "data:")):
            request_route.continue_()
        else:  # MathJax and fonts from CDNs: this test runs offline.
            request_route.abort()

    page.on("dialog", on_dialog)
    page.route("**/*", route)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_timeout(2000)
    page.evaluate("""() => { for (const link of document.querySelectorAll('a[href]')) {
        if (/^\\s*javascript:/i.test(link.getAttribute('href'))) link.click(); } }""")
    page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / screenshot), full_page=True)
    result = {
        "ran": set(page.evaluate("() => window.__xss || []")),
        "dialogs": dialogs,
        "fetched": set(fetched),
        "title": page.title(),
        "plots": page.evaluate("() => Array.from(document.querySelectorAll('.output_png img'), img => img.naturalWidth)"),
    }
    page.close()
    return result


def test_the_payloads_run_when_nothing_is_sanitized(chromium, graded_course, formgrader):
    """The detector works: the same submission, graded without the sanitizer, runs its payloads."""
    page = _visit(chromium, formgrader("unsanitized"), "formgrader_unsanitized.png")
    detected = page["ran"] | page["fetched"] | ({7} if "7" in page["dialogs"] else set())
    assert detected == RUN_UNSANITIZED, f"ran {sorted(page['ran'])}, dialogs {page['dialogs']}, fetched {page['fetched']}"
    # Feedback exported by plain nbconvert from that unsanitized notebook.
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter(template_name="classic").from_notebook_node(_autograded(graded_course, "unsanitized"))
    plain = graded_course / "unsanitized_plain_nbconvert.html"
    plain.write_text(html)
    page = _visit(chromium, plain.as_uri(), "feedback_unsanitized_plain_nbconvert.png")
    detected = page["ran"] | ({7} if "7" in page["dialogs"] else set())
    # Not here: a fetch from a file:// page (CORS), and the JavaScript output,
    # whose `$('#...')` needs the jQuery that nbconvert loads from a CDN.
    assert detected >= RUN_UNSANITIZED - {8, 15}, f"ran {sorted(page['ran'])}, dialogs {page['dialogs']}"


def test_no_payload_runs_in_formgrader(chromium, formgrader):
    page = _visit(chromium, formgrader("xss"), "formgrader_xss.png")
    assert page["ran"] == set() and page["dialogs"] == [] and page["fetched"] == set(), page
    assert "XSS" not in page["title"]


def test_no_payload_runs_in_feedback(chromium, graded_course):
    for student in ("xss", "unsanitized"):  # Feedback sanitizes a notebook autograded without the sanitizer too.
        page = _visit(chromium, _feedback(graded_course, student).as_uri(), f"feedback_{student}.png")
        assert page["ran"] == set() and page["dialogs"] == [], (student, page)


def test_the_autograded_notebook_holds_no_live_output(graded_course):
    notebook = _autograded(graded_course, "xss")
    mime_types = {mime for cell in notebook.cells if cell.cell_type == "code"
                  for output in cell.outputs for mime in output.get("data", {})}
    assert not mime_types & {"application/javascript", "image/svg+xml", "application/vnd.jupyter.widget-view+json"}
    assert {"text/html", "text/markdown", "image/png"} <= mime_types, "the safe parts of the outputs are kept"
    shown = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    text = json.dumps(shown) + "".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "onerror" not in text and "ontoggle" not in text and "onload" not in text and "javascript:" not in text


def test_the_honest_plot_and_markdown_show_in_formgrader_and_feedback(chromium, graded_course, formgrader):
    for name, url in (("formgrader", formgrader("honest")), ("feedback", _feedback(graded_course, "honest").as_uri())):
        page = _visit(chromium, url, f"{name}_honest.png")
        assert page["plots"] and all(width > 0 for width in page["plots"]), (name, page["plots"])
        assert page["ran"] == set()
    html = _feedback(graded_course, "honest").read_text()
    for kept in ("<h2", "<blockquote>", "<code>val_loss</code>", "<td>0.5</td>", "$x^2$"):
        assert kept in html, kept
