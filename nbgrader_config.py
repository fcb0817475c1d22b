"""nbgrader settings for this course. The repository root is the course root.

Run nbgrader from this folder, for example `nbgrader generate_assignment
01_loss_curves`. The settings below fix what plain nbgrader gets wrong for
a course that trains Keras models.
"""

from autograder import validation

c = get_config()  # noqa: F821 (injected by traitlets when it loads this file)

# Validate (the lab button, `nbgrader validate`) and grading agree: the
# grader's cell time limit, stderr never fails a test cell, and TensorFlow's
# log lines are quieted in the kernels nbgrader starts (TF_CPP_MIN_LOG_LEVEL).
# IgnorePattern below drops the rest from graded notebooks.
validation.configure(c)

c.CourseDirectory.course_id = "keras-training"

# Never copied into releases or submissions: editor checkpoints, caches, and
# the models and checkpoints notebooks save.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "*.keras",
    "*.h5",
    "checkpoints",
    "grading.py",  # the grader's judges and hidden inputs: never released
    "examples.py",  # example submissions, holding reference answers: never released
    "checked_outputs.py",  # the outputs nbval checks, for the course's own tests
    # Pages a student could hand in beside the notebook: formgrader serves a
    # submission's files from the Jupyter server's own origin.
    "*.html",
    "*.htm",
    "*.xhtml",
    "*.svg",
]

# Releases keep a line where each test cell's hidden tests were, saying the
# cell is checked when graded (autograder/plugins/hidden_tests.py); otherwise
# nbgrader 0.9.6's defaults, in order.
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "autograder.plugins.hidden_tests.MarkHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# What students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading runs the student's notebook in a sandbox and takes every verdict
# outside it (autograder/plugins/sandboxed_execute.py, apply_verdicts.py):
# the hidden tests only record what is to be judged, and the judges in
# source/<assignment>/grading.py decide in a process of their own.
# nbgrader's default of 30 s per cell would interrupt any real fit(); a cell
# past its limit, or a notebook past its own, has its kernel killed and the
# rest of the notebook marked.
c.Autograde.exporter_class = "autograder.plugins.submission_exporter.SubmissionExporter"
from autograder.plugins import nbgrader_fixes  # noqa: E402 (needs nbgrader loaded, as it is here)

nbgrader_fixes.zero_renamed_submissions()
nbgrader_fixes.refuse_unsafe_student_ids()
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "autograder.plugins.overwrite_cells_safely.OverwriteCellsSafely",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "autograder.plugins.sandboxed_execute.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.plugins.apply_verdicts.ApplyVerdicts",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
    # Last: what formgrader and feedback render from autograded/ holds no
    # live HTML from the student (scripts, event handlers, SVG, JavaScript
    # outputs); see autograder/plugins/sanitize_student_html.py.
    "autograder.plugins.sanitize_student_html.SanitizeStudentHTML",
]
# Feedback is rendered from autograded/ too: sanitize again before nbgrader's
# HTML export, so notebooks autograded before the sanitizer existed are safe.
# nbgrader 0.9.6's defaults, in order, with it before the CSS header.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.plugins.sanitize_student_html.SanitizeStudentHTML",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.SandboxedExecute.timeout = validation.CELL_TIMEOUT
c.SandboxedExecute.notebook_timeout = 1200
# The kernel's memory, process and file-size caps default to `Limits` in
# autograder/sandbox/bubblewrap.py. To raise one, set it here, for example
# c.SandboxedExecute.memory_bytes = 8 * 1024**3
# (`python -m autograder grade` then starts as many local workers as memory allows at that cap).

# Drop stderr output that is only TensorFlow or Keras logging, so that it
# cannot turn a passing test cell into a failed one. Exceptions are separate
# outputs and are never dropped.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = "|".join(
    [
        r"^[IWE]\d{4} [\d:.]+\s+\d+ \S+:\d+\]",  # TensorFlow C++ log lines
        r"All log messages before absl::InitializeLog",
        r"oneDNN custom operations are on",
        r"This TensorFlow binary is optimized",
        r"Unable to register cu(DNN|FFT|BLAS) factory",
        r"(keras|tensorflow)/\S+\.py:\d+: \w*Warning:",  # Python warnings raised inside Keras or TF
    ]
)

# A grade cell a student deleted is put back and scored, instead of leaving
# the submission waiting for manual grading forever.
c.OverwriteCells.add_missing_cells = True

# Autograde creates the student in the gradebook if needed.
c.Autograde.create_student = True

# --- Submissions downloaded from an LMS: `nbgrader zip_collect ASSIGNMENT` ---
# Put the LMS's zip (Canvas: "Download Submissions", submissions.zip) in
# downloaded/<assignment>/archive/. zip_collect extracts it into
# downloaded/<assignment>/extracted/ and copies each notebook to
# submitted/<student>/<assignment>/<notebook>.ipynb. Canvas names each file
# <name>_[LATE_]<user id>_<submission id>_<file>, and adds -1, -2 to the file
# of a resubmission: annlee_12345_67890_loss_curves.ipynb and
# leebob_LATE_23456_78901_loss_curves-1.ipynb become
# submitted/annlee/01_loss_curves/loss_curves.ipynb and
# submitted/leebob/01_loss_curves/loss_curves.ipynb. nbgrader matches the
# pattern against each extracted file's full path; a file it does not match
# is skipped with a warning naming it ("Skipped submission with no match
# information provided: ..."). Tested in tests/end_to_end/test_exchange.py.
c.FileNameCollectorPlugin.named_regexp = (
    r"^.*/(?P<student_id>[A-Za-z0-9]+)_(?:LATE_)?\d+_\d+_(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$"
)
