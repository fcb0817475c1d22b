"""Class grading: many submissions graded in parallel with real nbgrader, their state and what is shown."""
