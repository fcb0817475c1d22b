"""JupyterLab and formgrader in a real browser: a student's lab and an instructor's.

Debian's Chromium, driven by Playwright (`browser.py`), works as the student
and as the instructor would, and each step is screenshotted into
`build/browser/lab/` (numbered, so the pictures read as a story).

The student's JupyterLab is started as `make lab` starts it
(`python -m course.lab WORK --notebooks release`, with the student's Jupyter
config `student/jupyter/`), with a fresh HOME and an nbgrader exchange. In it
the student

1. opens chapter 01's release notebook, every exercise answered from the
   source's solutions except `best_epoch`, which the test types into its cell;
2. runs every cell, and the training cell's live plot (`plots.LivePlot`)
   must change after each epoch, in one output updated in place;
3. clicks Validate: the notebook passes;
4. finds no instructor tool (Formgrader, Create Assignment, Courses) in the
   Nbgrader menu, the command palette or the sidebars, and Assignment List there;
5. in the Assignments tab fetches a released assignment (the attack suite's
   small one, with a written answer added), opens it, types its answers (one
   wrong) and runs it; Validate names the failing check and its message; the
   student fixes the answer, runs the rest and submits: the submission
   reaches the exchange and the Submitted list.

The instructor collects it and autogrades it with real nbgrader, and, in
another JupyterLab started from the course with the instructor's config
(whose Nbgrader menu does hold the tools the student's lacks), opens
formgrader, finds the submission through Manage Submissions, reads the
grader's verdicts, grades the written answer by hand, and `nbgrader export`
puts that score into the CSV.

The tests run in order and share the student's browser page: each starts
from where the one before it left the lab.
"""

import base64
import copy
import csv
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder import validation
from autograder.classroom import gradebook, nbgrader_course
from autograder.tools.examples import build_submission, example, reference_answers

from browser import SCREENSHOTS, JupyterServer, Screenshots, chromium  # noqa: F401 (chromium is a fixture)

REPOSITORY = Path(__file__).resolve().parent.parent.parent
STUDENT_CONFIG = REPOSITORY / "student" / "jupyter"
COURSE_ID = "keras-training"
CHAPTER = "01_loss_curves"
CHAPTER_NOTEBOOK = "loss_curves.ipynb"
CHAPTER_PATH = f"{CHAPTER}/{CHAPTER_NOTEBOOK}"  # In the student's work folder, where `course.lab` puts it.
TYPED = "best_epoch"  # The exercise of chapter 01 the student types in the browser.
NUM_EPOCHS = 15  # What chapter 01's training cell runs.
ASSIGNMENT = "attack_target"  # Released into the exchange, fetched and submitted.
ASSIGNMENT_SOURCE = REPOSITORY / "tests" / "attacks" / "course" / "source" / ASSIGNMENT
WRITTEN = "scale_explained"  # The written answer added to it, graded by hand.
WRITTEN_POINTS = 2
MANUAL_SCORE = 1.5
# What the student types into the fetched assignment. `scale` is wrong at first
# (a list times a number repeats the list; `FIXED_SCALE` is what the student
# hands in). `build_model` is right, in an older
# book's style: Keras 3 warns about `input_shape` on stderr in the test cell
# that first calls it, which nbgrader's Validate would count as a failure;
# the course's Validate set-up (`autograder.validation`) must not.
ANSWERS = {
    "scale": "def scale(values, factor):\n    return values * factor",
    "build_model": ("def build_model():\n    return keras.Sequential([keras.layers.Flatten(input_shape=(28, 28)), "
                    "keras.layers.Dense(10, activation=\"softmax\")])"),
    "train": ("def train(model, images, labels):\n"
              "    model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])\n"
              "    return model.fit(images, labels, epochs=2, batch_size=128, verbose=0)"),
}
FIXED_SCALE = "def scale(values, factor):\n    return [value * factor for value in values]"
WRITTEN_ANSWER = "It returns a new list with each value multiplied; values * factor would repeat the list instead."
# The visible check's message for that wrong scale, in the lab and in Validate.
SCALE_FAILURE = "scale([1, 2], 3) returned [1, 2, 1, 2, 1, 2]; expected [3, 6]"
# The grader's verdicts on the fixed answers, which only the grader can give: its
# judge of scale has 4 cases (`SCALE_CASES` in the assignment's grading.py; the
# visible check has 1), and it measures the model on its own held-out images.
GRADER_VERDICTS = ("Grader: passed", "scale is right on 4 case(s)",
                   "on the grader's 10,000 held-out test images (at least 70.0% needed)")
KERAS_WARNING = "Do not pass an `input_shape`"
INSTRUCTOR_TOOLS = ("Formgrader", "Create assignment", "Course List")
STUDENT_TOOL = "Assignment List"
# Bounds against a hung browser or kernel, far above what each step takes on
# an idle 2-core machine (chapter 01 runs in about 40 s, Validate about as long).
RUN_ALL_SECONDS = 600
VALIDATE_SECONDS = 900
ACTION_MS = 60_000
VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def screenshots():
    return Screenshots(SCREENSHOTS / "lab")


@pytest.fixture(scope="module")
def file_timing(record_timing):
    """Records how long this file's tests took together, from the first fixture to the last teardown."""
    start = time.perf_counter()
    yield
    record_timing("lab browser tests: all, set-up included", time.perf_counter() - start)


class Course:
    """The scratch course copy: its folder (`root`) and its exchange, `ASSIGNMENT` released into it."""

    def __init__(self, root, exchange):
        self.root, self.exchange = root, exchange

    def inbound(self):
        """The student's submissions of `ASSIGNMENT` in the exchange's inbound folder."""
        return list((self.exchange / COURSE_ID / "inbound").glob(f"*+{ASSIGNMENT}+*"))


@pytest.fixture(scope="module")
def course(tmp_path_factory, file_timing, record_timing):
    """A scratch copy of the course whose exchange holds `attack_target`, released.

    The assignment is the attack suite's, with a written answer graded by hand
    added (built like chapter 01's `overfitting_answer`): chapter 01 itself
    takes a minute or more to autograde.
    """
    start = time.perf_counter()
    scratch = tmp_path_factory.mktemp("lab-course")
    root = nbgrader_course.copy_course(REPOSITORY, scratch / "course")
    exchange = scratch / "exchange"
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    shutil.copytree(ASSIGNMENT_SOURCE, root / "source" / ASSIGNMENT)
    path = root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    chapter = nbformat.read(REPOSITORY / "source" / CHAPTER / CHAPTER_NOTEBOOK, as_version=4)
    written = next(cell for cell in chapter.cells if cell.cell_type == "markdown"
                   and cell.metadata.get("nbgrader", {}).get("solution"))
    metadata = copy.deepcopy(written.metadata)
    metadata.nbgrader.update(grade_id=WRITTEN, points=WRITTEN_POINTS)
    notebook.cells += [
        nbformat.v4.new_markdown_cell(f"In one sentence: what does `scale` return, and why not `values * factor`? "
                                      f"({WRITTEN_POINTS} points, graded by hand)"),
        nbformat.v4.new_markdown_cell("*Model answer:* a new list of each value times `factor`; a list times a "
                                      "number repeats the list.", metadata=metadata),
    ]
    nbformat.write(notebook, path)
    nbgrader_course.generate_assignment(root, ASSIGNMENT)
    nbgrader_course.run_nbgrader(root, "release_assignment", ASSIGNMENT)
    assert (exchange / COURSE_ID / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    record_timing(f"lab browser tests: course copy, generate and release {ASSIGNMENT}", time.perf_counter() - start)
    return Course(root, exchange)


def _fresh_home(folder):
    """A HOME with JupyterLab's news and update prompts off, so that no pop-up covers the page."""
    settings = folder / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    return folder


def _chapter_notebook():
    """Chapter 01's release notebook, answered with the source's solutions except `TYPED`, left as released."""
    release = nbformat.read(REPOSITORY / "release" / CHAPTER / CHAPTER_NOTEBOOK, as_version=4)
    source = nbformat.read(REPOSITORY / "source" / CHAPTER / CHAPTER_NOTEBOOK, as_version=4)
    stub = _cell(release, TYPED).source
    assert "raise NotImplementedError()" in stub, stub
    return build_submission(example("typed_in_the_lab", f"{TYPED} left for the browser", {TYPED: stub}), source, release)


def _cell(notebook, grade_id):
    return next(cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _index(notebook, grade_id):
    return next(number for number, cell in enumerate(notebook.cells)
                if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture(scope="module")
def student_lab(course, tmp_path_factory, record_timing):
    """JupyterLab as `make lab` starts it for a student: `python -m course.lab WORK --notebooks release`
    with the student's Jupyter config, here with a fresh HOME and an exchange.

    Chapter 01 is in the work folder already, answered (`_chapter_notebook`),
    as a student's work that `course.lab` must keep; it copies the other chapters.
    """
    scratch = tmp_path_factory.mktemp("lab-student")
    work, extra = scratch / "work", scratch / "exchange-config"
    extra.mkdir()
    (extra / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(course.exchange)!r}\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n")
    answered = _chapter_notebook()
    (work / CHAPTER).mkdir(parents=True)
    nbformat.write(answered, work / CHAPTER_PATH)
    environment = nbgrader_course.nbgrader_environment()
    environment.update(HOME=str(_fresh_home(scratch / "home")),
                       JUPYTER_CONFIG_PATH=os.pathsep.join([str(STUDENT_CONFIG), str(extra)]))
    launcher = [sys.executable, "-m", "course.lab", str(work), "--notebooks", str(REPOSITORY / "release")]
    start = time.perf_counter()
    # Run in the work folder, as a student runs it from home: Validate and the
    # Assignments tab also read an nbgrader_config.py in the server's folder.
    with JupyterServer("lab", work, scratch / "jupyter-lab.log", environment=environment, launcher=launcher) as server:
        record_timing("lab browser tests: student JupyterLab start (python -m course.lab)", time.perf_counter() - start)
        server.work = work
        kept = nbformat.read(work / CHAPTER_PATH, as_version=4)
        assert [cell.source for cell in kept.cells] == [cell.source for cell in answered.cells], \
            "course.lab replaced the student's notebook"
        for chapter in (REPOSITORY / "release").glob("*/*.ipynb"):
            assert (work / chapter.relative_to(REPOSITORY / "release")).is_file(), f"course.lab did not add {chapter}"
        yield server


@pytest.fixture(scope="module")
def instructor_lab(course, tmp_path_factory):
    """JupyterLab started in the course copy with the instructor's config (formgrader on)."""
    scratch = tmp_path_factory.mktemp("lab-instructor")
    environment = nbgrader_course.nbgrader_environment()
    environment.pop("JUPYTER_CONFIG_PATH", None)
    environment["HOME"] = str(_fresh_home(scratch / "home"))
    with JupyterServer("lab", course.root, scratch / "jupyter-lab.log", environment=environment) as server:
        yield server


def _page(chromium, server):
    """A page whose every request carries the server's token (formgrader's own requests too)."""
    context = chromium.new_context(viewport=VIEWPORT, extra_http_headers={"Authorization": f"token {server.token}"})
    page = context.new_page()
    page.set_default_timeout(ACTION_MS)
    # The lab and formgrader would load fonts and MathJax from CDNs: this test runs offline.
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server.base) else route.abort())
    return page


@pytest.fixture(scope="module")
def student_page(chromium, student_lab):
    page = _page(chromium, student_lab)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def instructor_page(chromium, instructor_lab):
    page = _page(chromium, instructor_lab)
    yield page
    page.context.close()


# ---- JupyterLab, as a person uses it ----------------------------------------

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def _lab(page, server):
    """Makes sure `page` shows the lab, which an earlier test has opened unless this one runs alone."""
    if not page.url.startswith(server.base):
        page.goto(server.url("/lab?reset"))
    page.locator(".lm-MenuBar-item").first.wait_for()


def _open_notebook(page, server, path, cells):
    """Opens `path` in a fresh workspace and waits until all its `cells` are in the page and the kernel is idle."""
    page.goto(server.url(f"/lab/tree/{path}?reset"))
    _wait_for_cells(page, cells)


def _wait_for_cells(page, cells):
    page.wait_for_function(
        f"""() => document.querySelectorAll('{NOTEBOOK} .jp-Notebook .jp-Cell').length === {cells}
            && document.querySelector('{NOTEBOOK} .jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle'""",
        timeout=ACTION_MS * 2)


def _wait_until_idle(page, seconds=RUN_ALL_SECONDS):
    """Waits until no cell of the open notebook is running or queued and its kernel is idle."""
    page.wait_for_function(
        f"""() => !Array.from(document.querySelectorAll('{NOTEBOOK} .jp-Cell .jp-InputPrompt'))
                .some(prompt => prompt.textContent.trim() === '[*]:')
            && document.querySelector('{NOTEBOOK} .jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle'""",
        timeout=seconds * 1000, polling=250)


def _cell_at(page, index):
    """The cell at `index` in the open notebook (its element stays the same while its text changes)."""
    return page.locator(f'{NOTEBOOK} .jp-Notebook .jp-Cell[data-windowed-list-index="{index}"]')


def _scroll_to(locator, block="center"):
    """Scrolls until `locator`'s element is in view.

    The notebook skips rendering cells out of view (content-visibility) and
    guesses their heights, so one `scrollIntoView` can land short of the
    element: it is repeated until the element stays in view. Playwright sees
    an unrendered element as hidden, so a cell is scrolled to before it is used.
    """
    previous = None
    for _ in range(20):
        top = locator.evaluate(f"""element => {{
            element.scrollIntoView({{block: '{block}'}});
            const box = element.getBoundingClientRect();
            return box.height > 0 && box.top < window.innerHeight && box.bottom > 0 ? box.top : null;
        }}""")
        if top is not None and previous is not None and abs(top - previous) < 1:
            return
        previous = top
        locator.page.wait_for_timeout(100)


def _type_code(page, cell, code):
    """Replaces the code in `cell` by typing `code`, as a student would.

    Each line is typed without its indentation, since JupyterLab indents a line
    after one ending in `:` and keeps the indentation of the line before.

    Returns:
        The code the cell's editor then holds.
    """
    _scroll_to(cell)
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    for number, line in enumerate(code.splitlines()):
        if number:
            page.keyboard.press("Enter")
        page.keyboard.type(line.strip())
    page.keyboard.press("Escape")
    return editor.inner_text()


def _type_markdown(page, cell, text):
    """Replaces a markdown cell's text by typing `text`, and renders it."""
    _scroll_to(cell)
    cell.locator(".jp-MarkdownOutput").dblclick()
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
    page.keyboard.press("Control+Enter")
    cell.locator(".jp-MarkdownOutput").wait_for()


def _menu(page, *path):
    """Clicks through the menu bar: `_menu(page, "Run", "Run All Cells")`."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(f"^{re.escape(path[0])}$")).click()
    for label in path[1:]:
        page.locator(".lm-Menu:visible .lm-Menu-item:not(.lm-mod-hidden)",
                     has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(label)}$"))).click()


def _visible_menu_items(page, menu):
    """The labels of the items the menu bar's `menu` shows (it is left closed)."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    labels = page.locator(".lm-Menu:visible .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel").all_inner_texts()
    return labels


def _close_menus(page):
    for _ in range(5):
        if not page.locator(".lm-Menu:visible").count():
            return
        page.keyboard.press("Escape")
    raise AssertionError("a menu stays open after Escape")


def _save(page):
    """Saves the open notebook (Ctrl+S) and waits until its tab is no longer marked as changed."""
    page.locator(f"{NOTEBOOK} .jp-Notebook").click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current.jp-mod-dirty')")


def _validate(page, screenshots, name):
    """Clicks the notebook's Validate button and returns the result dialog's text and its classes.

    The dialog is left open for its screenshot and then closed.
    """
    start = time.perf_counter()
    page.locator(f"{NOTEBOOK} .validate-button").click()
    message = page.locator(".jp-Dialog #validation-message")
    message.wait_for(timeout=VALIDATE_SECONDS * 1000)
    seconds = time.perf_counter() - start
    text, classes = message.inner_text(), message.get_attribute("class")
    screenshots.take(page, name)
    page.locator(".jp-Dialog").get_by_role("button", name="Ok").click()
    page.locator(".jp-Dialog").wait_for(state="detached")
    return text, classes, seconds


def _open_downloaded_notebook(page, assignment):
    """Opens `assignment`'s notebook from the Assignments tab's Downloaded list.

    The caret next to the assignment shows its notebooks. The tab draws its
    lists again whenever it reloads them (after a Fetch, or when it opens),
    which can swallow a click or fold the notebooks away: this clicks until
    the notebook's link shows, and reloads the lists if they stay empty.
    """
    downloaded = page.locator("#fetched_assignments_list > .list_item", has_text=assignment)
    link = downloaded.locator(".nested_list_item a", has_text=assignment)
    deadline = time.monotonic() + ACTION_MS / 1000
    missing_since = None
    while not link.is_visible():
        assert time.monotonic() < deadline, (
            f"{assignment}'s notebook never showed under Downloaded assignments:\n"
            + page.locator("#assignments").inner_html()[-4000:])
        if downloaded.count() == 1:
            missing_since = None
            if "in" not in (downloaded.locator(".assignment-notebooks").get_attribute("class") or "").split():
                downloaded.locator("a.assignment-notebooks-link").click()
        elif missing_since is None:
            missing_since = time.monotonic()
        elif time.monotonic() - missing_since > 10:
            page.locator("#refresh_assignments_list").click()
            missing_since = None
        page.wait_for_timeout(500)
    link.click()


def _wait_for_formgrader_grades(page):
    """Waits until formgrader's submission page has loaded its grades into its score boxes
    (a score typed before would be overwritten)."""
    page.wait_for_function("() => window.formgrader?.grades?.loaded === true")


# ---- The student -------------------------------------------------------------

# Collects, in the page, every image the training cell's output shows, in order.
WATCH_PLOT = """cell => {
    window.__plots = [];
    window.__plotWatch = setInterval(() => {
        const img = cell.querySelector('.jp-OutputArea-output img');
        if (img && window.__plots[window.__plots.length - 1] !== img.src) window.__plots.push(img.src);
    }, 100);
}"""
# What the open notebook shows now.
RUN_STATE = f"""([train, last]) => {{
    const cells = document.querySelectorAll('{NOTEBOOK} .jp-Notebook .jp-Cell');
    const prompt = cell => cell.querySelector('.jp-InputPrompt')?.textContent.trim() ?? '';
    const errors = Array.from(document.querySelectorAll('{NOTEBOOK} .jp-OutputArea-output'))
        .map(output => output.textContent).filter(text => text.includes('Traceback (most recent call last)'));
    return {{
        plots: window.__plots.length,
        latest: window.__plots[window.__plots.length - 1] ?? null,
        trainPrompt: prompt(cells[train]),
        lastOutput: cells[last].querySelector('.jp-OutputArea-output')?.textContent ?? '',
        running: Array.from(cells).filter(cell => prompt(cell) === '[*]:').length,
        status: document.querySelector('{NOTEBOOK} .jp-Notebook-ExecutionIndicator')?.dataset.status,
        errors,
    }};
}}"""


def test_student_types_an_answer_and_sees_the_live_plot_change_each_epoch(student_page, student_lab, screenshots,
                                                                          record_timing):
    page = student_page
    notebook = nbformat.read(student_lab.work / CHAPTER_PATH, as_version=4)
    train = next(number for number, cell in enumerate(notebook.cells)
                 if cell.cell_type == "code" and "plots.LivePlot()" in cell.source)
    last = len(notebook.cells) - 1
    _open_notebook(page, student_lab, CHAPTER_PATH, len(notebook.cells))
    screenshots.take(page, "chapter01_opened")

    answer = reference_answers(nbformat.read(REPOSITORY / "source" / CHAPTER / CHAPTER_NOTEBOOK, as_version=4))[TYPED]
    cell = _cell_at(page, _index(notebook, TYPED))
    typed = _type_code(page, cell, answer.strip())
    assert typed == answer.strip(), f"the {TYPED} cell holds, after typing:\n{typed}"
    screenshots.take(page, f"{TYPED}_typed")
    _save(page)
    saved = _cell(nbformat.read(student_lab.work / CHAPTER_PATH, as_version=4), TYPED).source
    assert saved.strip() == answer.strip(), "the typed answer is saved to the file"

    train_cell = _cell_at(page, train)
    train_cell.evaluate(WATCH_PLOT)
    start = time.perf_counter()
    _menu(page, "Run", "Run All Cells")
    seen_during_training = []  # (epoch count seen, image) read while the training cell was still running
    while True:
        state = page.evaluate(RUN_STATE, [train, last])
        assert not state["errors"], f"a cell failed:\n{state['errors'][0][-3000:]}"
        if state["latest"] and state["trainPrompt"] == "[*]:" and (
                not seen_during_training or state["plots"] >= seen_during_training[-1][0] + 2):
            seen_during_training.append((state["plots"], state["latest"]))
            if len(seen_during_training) <= 2:
                _scroll_to(train_cell.locator(".jp-OutputArea-output img"), block="end")
                screenshots.take(page, f"training_live_plot_{len(seen_during_training)}")
        if "This chapter ran in" in state["lastOutput"] and state["running"] == 0 and state["status"] == "idle":
            break
        assert time.perf_counter() - start < RUN_ALL_SECONDS, f"Run All did not finish in {RUN_ALL_SECONDS} s: {state}"
        page.wait_for_timeout(250)
    seconds = time.perf_counter() - start
    record_timing("lab browser tests: chapter 01 Run All Cells in JupyterLab", seconds)
    plots = page.evaluate("() => { clearInterval(window.__plotWatch); return window.__plots; }")
    _scroll_to(train_cell.locator(".jp-OutputArea-output img"), block="end")
    screenshots.take(page, "run_all_finished")

    assert len(seen_during_training) >= 2, f"read the live plot {len(seen_during_training)} time(s) while training"
    assert seen_during_training[0][1] != seen_during_training[1][1], "the plot changed between two reads during training"
    distinct = len(set(plots))
    assert 3 <= distinct <= NUM_EPOCHS, f"{distinct} different plots over {NUM_EPOCHS} epochs (one per epoch expected)"
    for source in plots:
        assert source.startswith("data:image/png;base64,"), source[:60]
        assert base64.b64decode(source.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    images = train_cell.locator(".jp-OutputArea-output img")
    assert images.count() == 1, "LivePlot updates one output in place"
    assert images.evaluate("img => img.naturalWidth") > 0, "the last plot is drawn"
    assert images.get_attribute("src") == plots[-1]
    # The typed function ran on the run's History: the cell that prints its answer says so.
    printing = next(number for number, cell in enumerate(notebook.cells) if cell.cell_type == "code"
                    and "print(" in cell.source and f"{TYPED}(history)" in cell.source
                    and not cell.metadata.get("nbgrader", {}).get("grade_id"))
    printed = _cell_at(page, printing).locator(".jp-OutputArea").text_content()
    assert re.search(rf"after epoch \d+ of {NUM_EPOCHS}", printed), printed


def test_validate_says_the_answered_chapter_passes(student_page, student_lab, screenshots, record_timing):
    """Validate runs the saved notebook with the student config's settings (`autograder.validation`)."""
    text, classes, seconds = _validate(student_page, screenshots, "validate_passes")
    record_timing("lab browser tests: Validate chapter 01", seconds)
    assert "Success! Your notebook passes all the tests." in text, text[-3000:]
    assert "validation-success" in classes, classes
    # The settings Validate ran with, loaded by the Validate handler's own code in
    # the lab's environment and folder: the grader's cell time limit, not nbgrader's
    # 30 s (chapter 01's training takes about 30 s on an idle 2-core machine).
    probe = subprocess.run(
        [sys.executable, "-c", "from nbgrader.server_extensions.validate_assignment.handlers import "
         "ValidateAssignmentHandler as Handler\nprint(Handler.load_config(None).Execute.timeout)"],
        cwd=student_lab.cwd, env=student_lab.environment, capture_output=True, text=True, check=True)
    assert probe.stdout.split()[-1] == str(validation.CELL_TIMEOUT), probe.stdout + probe.stderr


def test_the_student_lab_has_no_instructor_tools(student_page, student_lab, screenshots):
    page = student_page
    _lab(page, student_lab)
    items = _visible_menu_items(page, "Nbgrader")
    screenshots.take(page, "student_nbgrader_menu")
    _close_menus(page)
    assert STUDENT_TOOL in items, items
    assert not set(INSTRUCTOR_TOOLS) & set(items), items

    page.keyboard.press("Control+Shift+c")
    page.locator(".lm-CommandPalette-input").fill("nbgrader")
    palette = page.locator(".lm-CommandPalette-item .lm-CommandPalette-itemLabel")
    palette.first.wait_for()
    commands = palette.all_inner_texts()
    screenshots.take(page, "student_command_palette")
    page.keyboard.press("Escape")
    assert STUDENT_TOOL in commands, commands
    assert not set(INSTRUCTOR_TOOLS) & set(commands), commands

    tabs = page.evaluate("() => Array.from(document.querySelectorAll('.jp-SideBar .lm-TabBar-tab'), tab => "
                         "(tab.dataset.id || '') + ' ' + (tab.getAttribute('title') || ''))")
    assert tabs and not [tab for tab in tabs if re.search("nbgrader|formgrader|course|create.assignment", tab, re.I)], tabs
    # The server side too: formgrader's and the course list's handlers are not loaded.
    for path in ("/formgrader", "/formgrader/api/assignments", "/formgraders"):
        assert page.request.get(student_lab.url(path)).status == 404, path
    assert page.request.get(student_lab.url(f"/assignments?course_id={COURSE_ID}")).ok


def test_the_instructor_lab_has_the_tools_the_student_lab_lacks(instructor_page, instructor_lab, screenshots):
    """The checks above can fail: the same look in the instructor's lab finds every tool."""
    page = instructor_page
    page.goto(instructor_lab.url("/lab?reset"))
    page.locator(".jp-SideBar .lm-TabBar-tab").first.wait_for()
    # Create Assignment is a panel of the right sidebar (nbgrader spells its id so).
    page.locator('.jp-SideBar .lm-TabBar-tab[data-id="nbgrader-create_assignemnt"]').wait_for()
    items = _visible_menu_items(page, "Nbgrader")
    screenshots.take(page, "instructor_nbgrader_menu")
    _close_menus(page)
    assert set(INSTRUCTOR_TOOLS) | {STUDENT_TOOL} <= set(items), items
    assert page.request.get(instructor_lab.url("/formgrader/api/assignments")).ok


def test_the_student_fetches_validates_and_submits_an_assignment(student_page, student_lab, course, screenshots,
                                                                  record_timing):
    page = student_page
    _lab(page, student_lab)
    start = time.perf_counter()
    _menu(page, "Nbgrader", STUDENT_TOOL)
    released = page.locator("#released_assignments_list > .list_item", has_text=ASSIGNMENT)
    released.wait_for()
    screenshots.take(page, "assignments_released")
    released.get_by_role("button", name="Fetch").click()
    downloaded = page.locator("#fetched_assignments_list > .list_item", has_text=ASSIGNMENT)
    downloaded.wait_for()
    screenshots.take(page, "assignments_downloaded")
    fetched = student_lab.work / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert fetched.is_file(), f"Fetch put nothing at {fetched}"
    notebook = nbformat.read(fetched, as_version=4)
    assert "YOUR ANSWER HERE" in _cell(notebook, WRITTEN).source
    assert "raise NotImplementedError()" in _cell(notebook, "scale").source

    _open_downloaded_notebook(page, ASSIGNMENT)
    _wait_for_cells(page, len(notebook.cells))
    for grade_id, code in ANSWERS.items():
        typed = _type_code(page, _cell_at(page, _index(notebook, grade_id)), code)
        assert typed == code, f"the {grade_id} cell holds, after typing:\n{typed}"
    _type_markdown(page, _cell_at(page, _index(notebook, WRITTEN)), WRITTEN_ANSWER)

    # The student runs the notebook: it stops at the failing check of scale.
    _menu(page, "Run", "Run All Cells")
    _wait_until_idle(page)
    scale_check = _cell_at(page, _index(notebook, "scale_cases"))
    assert SCALE_FAILURE in scale_check.locator(".jp-OutputArea").text_content()
    last = _index(notebook, "trained_accuracy")
    assert not _cell_at(page, last).locator(".jp-OutputArea-output").count(), "Run All stops at the failing check"
    _scroll_to(scale_check)
    screenshots.take(page, "assignment_check_fails_in_the_lab")

    text, classes, seconds = _validate(page, screenshots, "validate_fails")
    record_timing(f"lab browser tests: Validate {ASSIGNMENT} (one check fails)", seconds)
    assert "validation-failed" in classes, classes
    assert "The following cell failed" in text, text[-3000:]
    assert SCALE_FAILURE in text, text[-3000:]
    assert "Checks scale()" in text, text[-3000:]
    # Only scale's: Validate ran every cell, and the check of build_model passes though
    # Keras warns on stderr there (below), which nbgrader alone would count as a failure.
    assert "Checks build_model()" not in text and "Checks the trained model" not in text, text[-3000:]

    # The student fixes scale and runs the notebook from there on.
    scale = _cell_at(page, _index(notebook, "scale"))
    assert _type_code(page, scale, FIXED_SCALE) == FIXED_SCALE
    scale.locator(".jp-InputPrompt").click()
    _menu(page, "Run", "Run Selected Cell and All Below")
    _wait_until_idle(page)
    assert "scale is right on 1 case(s)" in scale_check.locator(".jp-OutputArea").text_content()
    shapes_check = _cell_at(page, _index(notebook, "model_shapes"))
    stderr = shapes_check.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    assert KERAS_WARNING in " ".join(stderr.all_text_contents()), shapes_check.locator(".jp-OutputArea").text_content()
    assert "passed output_shape" in shapes_check.locator(".jp-OutputArea").text_content()
    assert "Traceback" not in shapes_check.locator(".jp-OutputArea").text_content()
    assert "Your final training accuracy" in _cell_at(page, last).locator(".jp-OutputArea").text_content()
    _scroll_to(shapes_check)
    screenshots.take(page, "assignment_fixed_and_run")
    _save(page)  # Submit hands in the files as saved.

    page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="Assignments").click()
    downloaded.get_by_role("button", name="Submit").click()
    submitted = page.locator("#submitted_assignments_list > .list_item", has_text=ASSIGNMENT)
    submitted.wait_for()
    screenshots.take(page, "assignments_submitted")
    record_timing(f"lab browser tests: fetch, answer, validate and submit {ASSIGNMENT}", time.perf_counter() - start)
    inbound = course.inbound()
    assert len(inbound) == 1, inbound
    handed_in = nbformat.read(inbound[0] / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert _cell(handed_in, "scale").source == FIXED_SCALE
    assert _cell(handed_in, WRITTEN).source.strip() == WRITTEN_ANSWER


def test_the_instructor_autogrades_and_grades_by_hand_in_formgrader(instructor_page, instructor_lab, course, screenshots,
                                                                     record_timing):
    inbound = course.inbound()
    assert inbound, "the student test submitted nothing"
    student = inbound[0].name.split("+")[0]
    start = time.perf_counter()
    nbgrader_course.run_nbgrader(course.root, "collect", ASSIGNMENT)
    nbgrader_course.autograde(course.root, ASSIGNMENT, student)
    record_timing(f"lab browser tests: collect and autograde {ASSIGNMENT}", time.perf_counter() - start)
    (scores,) = gradebook.read_scores(course.root, ASSIGNMENT, student)
    assert not scores.failed and scores.auto_score == scores.auto_max_score, scores
    auto_score = scores.auto_score
    written = next(cell for cell in scores.cells if cell.grade_id == WRITTEN)
    assert written.needs_manual_grade and not written.autograded, written

    page = instructor_page
    page.goto(instructor_lab.url("/formgrader"))
    row = page.locator("tr", has=page.locator("td", has_text=re.compile(f"^{ASSIGNMENT}$")))
    row.get_by_role("link", name="1", exact=True).click()  # Its number of submissions, to Manage Submissions.
    page.wait_for_url(re.compile(f"/formgrader/manage_submissions/{ASSIGNMENT}"))
    student_row = page.locator("tr", has=page.locator("td", has_text=re.compile(f"^{re.escape(student)}$")))
    student_row.wait_for()
    assert "needs manual grading" in student_row.inner_text(), student_row.inner_text()
    screenshots.take(page, "formgrader_manage_submissions")
    student_row.locator("a").first.click()
    page.wait_for_url(re.compile(f"/formgrader/manage_students/{re.escape(student)}/{ASSIGNMENT}"))
    page.get_by_role("link", name=ASSIGNMENT, exact=True).click()
    page.wait_for_url(re.compile("/formgrader/submissions/"))
    score = page.locator(f"input.score#{WRITTEN}")
    _wait_for_formgrader_grades(page)
    text = page.locator("body").inner_text()
    for verdict in GRADER_VERDICTS:
        assert verdict in text, f"formgrader does not show the grader's verdict {verdict!r}"
    assert WRITTEN_ANSWER in text, "the student's written answer is shown"
    _scroll_to(page.get_by_text(GRADER_VERDICTS[1]).first)
    screenshots.take(page, "formgrader_verdicts")
    _scroll_to(score)

    with page.expect_response(lambda response: "/formgrader/api/grade/" in response.url
                              and response.request.method == "PUT") as saved:
        score.fill(str(MANUAL_SCORE))
        score.press("Tab")
    assert saved.value.ok, saved.value.status
    screenshots.take(page, "formgrader_graded_by_hand")
    page.reload()
    _wait_for_formgrader_grades(page)
    assert float(page.locator(f"input.score#{WRITTEN}").input_value()) == MANUAL_SCORE, "the score is kept"

    exported = course.root / "grades.csv"
    nbgrader_course.run_nbgrader(course.root, "export", "--to", str(exported))
    with open(exported, newline="") as grades:
        (row,) = [row for row in csv.DictReader(grades) if row["assignment"] == ASSIGNMENT and row["student_id"] == student]
    assert float(row["raw_score"]) == auto_score + MANUAL_SCORE, row
    assert float(row["max_score"]) == scores.auto_max_score + WRITTEN_POINTS, row
