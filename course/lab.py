"""Opens JupyterLab on a student's own work folder, with the chapters in it.

`python -m course.lab [FOLDER]` copies each chapter's notebook into FOLDER
(by default `~/keras-training-course`) unless a file of that name is there
already, so a student's work is never overwritten, and then runs JupyterLab
there. Run it again at any time: it only adds what is missing (a chapter
released later, or a notebook the student deleted to start it again).

The student package carries the chapters in `course/notebooks/`; in the
instructor's repository `make lab` passes `--notebooks release`.
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

PACKAGED_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
DEFAULT_WORK_FOLDER = Path("~/keras-training-course")


def copy_missing_chapters(notebooks, work_folder):
    """Copies every file under `notebooks` into `work_folder` unless it exists there.

    Returns:
        The paths copied, relative to `work_folder`.

    Raises:
        FileNotFoundError: if `notebooks` is not a folder.
        NotADirectoryError: if `work_folder` exists and is not a folder.
    """
    notebooks, work_folder = Path(notebooks), Path(work_folder).expanduser()
    if not notebooks.is_dir():
        raise FileNotFoundError(
            f"No chapters at {notebooks}: expected a folder with one subfolder per chapter. "
            "Install the student package (it carries them), or pass the folder that holds them."
        )
    if work_folder.exists() and not work_folder.is_dir():
        raise NotADirectoryError(f"{work_folder} is a file, not a folder: choose another work folder.")
    copied = []
    for path in sorted(notebooks.rglob("*")):
        if not path.is_file() or ".ipynb_checkpoints" in path.parts:
            continue
        relative = path.relative_to(notebooks)
        target = work_folder / relative
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied.append(relative)
    return copied


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course.lab", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_WORK_FOLDER),
                        help=f"your work folder (default {DEFAULT_WORK_FOLDER})")
    parser.add_argument("--notebooks", default=str(PACKAGED_NOTEBOOKS), help="where the chapters are copied from")
    parser.add_argument("--no-lab", action="store_true", help="only copy the chapters")
    arguments, lab_arguments = parser.parse_known_args(argv)
    work_folder = Path(arguments.folder).expanduser()
    try:
        copied = copy_missing_chapters(arguments.notebooks, work_folder)
    except (FileNotFoundError, NotADirectoryError) as error:
        parser.exit(2, f"error: {error}\n")
    for relative in copied:
        print(f"added {work_folder / relative}")
    print(f"Your work folder is {work_folder}: your notebooks stay there, and nothing in it is ever replaced.")
    if arguments.no_lab:
        return 0
    command = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={work_folder}", *lab_arguments]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    # Validate and the Assignments tab read an nbgrader_config.py in the server's
    # folder: the student's own, never the instructor's course root (`make lab`).
    os.chdir(work_folder)
    os.execv(sys.executable, command)


if __name__ == "__main__":
    sys.exit(main())
