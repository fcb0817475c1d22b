"""Instructor tools: the CLI, the demo, releases, the student bundle, example submissions and the benchmark."""
