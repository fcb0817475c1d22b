"""Grade cells a student deleted, duplicated or edited are put back, never fatal.

`nbgrader_config.py` runs `OverwriteCellsSafely` in place of nbgrader's
`OverwriteCells` (in `Autograde.sanitize_preprocessors`), with
`OverwriteCells.add_missing_cells = True`, so that a deleted grade cell is
put back and scored instead of stopping the whole submission.
"""

import nbformat
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import OverwriteCells


class OverwriteCellsSafely(OverwriteCells):
    """`OverwriteCells` that survives whatever a student did to the cells.

    nbgrader 0.9.6 stops grading the whole submission when a student
    deleted a grade cell that followed a locked, ungraded cell (KeyError),
    duplicated a grade cell (KeyError), or edited a grade cell's `grade`
    flag ("Inconsistent checksums"). Here every known cell first gets its
    nbgrader flags and points back from the gradebook, cells whose
    metadata names no known cell lose it, and deleted grade cells go back
    after the nearest earlier cell that is still there.
    """

    def preprocess_cell(self, cell, resources, index):
        if "nbgrader" in cell.metadata:
            if "grade_id" in cell.metadata.nbgrader:
                self._restore_flags(cell)
            if "grade_id" not in cell.metadata.nbgrader:
                del cell.metadata["nbgrader"]
                return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, index)
        if "nbgrader" in cell.metadata and "grade_id" not in cell.metadata.nbgrader:
            del cell.metadata["nbgrader"]  # nbgrader dropped an unknown id
        return cell, resources

    def _restore_flags(self, cell):
        grade_id = cell.metadata.nbgrader["grade_id"]
        where = (grade_id, self.notebook_id, self.assignment_id)
        try:
            source_cell = self.gradebook.find_source_cell(*where)
        except MissingEntry:
            return
        flags = cell.metadata.nbgrader
        flags["locked"] = source_cell.locked
        try:
            flags["points"] = self.gradebook.find_grade_cell(*where).max_score
            flags["grade"] = True
        except MissingEntry:
            flags["grade"] = False
            flags.pop("points", None)
        try:
            self.gradebook.find_solution_cell(*where)
            flags["solution"] = True
        except MissingEntry:
            flags["solution"] = False

    def add_missing_grade_cells(self, nb, resources):
        source_notebook = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = source_notebook.source_cells
        grade_cells = {cell.name: cell for cell in source_notebook.grade_cells}
        solution_ids = {cell.name for cell in source_notebook.solution_cells}
        for position, source_cell in enumerate(source_cells):
            present = {cell.metadata.nbgrader["grade_id"]: index for index, cell in enumerate(nb.cells)
                       if "grade_id" in cell.metadata.get("nbgrader", {})}
            if source_cell.name not in grade_cells or source_cell.name in present:
                continue
            self.log.warning("Grade cell %s was deleted; putting it back", source_cell.name)
            restored = self.missing_cell_transform(source_cell, grade_cells[source_cell.name].max_score,
                                                   is_solution=source_cell.name in solution_ids)
            earlier = [present[cell.name] for cell in source_cells[:position] if cell.name in present]
            nb.cells.insert(max(earlier) + 1 if earlier else 0, nbformat.from_dict(restored))
        return nb, resources
