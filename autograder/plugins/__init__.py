"""nbgrader plug-ins: the exporter, preprocessors and fixes nbgrader_config.py names (one class per module).

In the order `nbgrader autograde` runs them:

- `submission_exporter.SubmissionExporter` reads a file that is not a
  notebook as a blank submission and drops malformed nbgrader metadata;
- `overwrite_cells_safely.OverwriteCellsSafely` puts back the grade cells
  a student deleted, duplicated or edited;
- `sandboxed_execute.SandboxedExecute` runs the notebook in the sandbox
  (`sandboxed_kernel_manager`), caps its outputs (`output_limits`) and has
  the judge decide every test cell;
- `apply_verdicts.ApplyVerdicts` writes each verdict as its cell's outcome
  and keeps the hidden tests out of the notebook;
- `sanitize_student_html.SanitizeStudentHTML` removes live HTML
  (`html_safety`), again before feedback is exported.

`hidden_tests.MarkHiddenTests` runs in `nbgrader generate_assignment`, and
`nbgrader_fixes` patches nbgrader itself. What several of them share is in
`notebook_cells`.
"""
