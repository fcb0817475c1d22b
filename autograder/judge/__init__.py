"""The judge: decides each grade cell from the records, in a process of its own outside the student's kernel."""
