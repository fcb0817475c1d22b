"""Helpers the course notebooks import: data, plots, history utilities, scratch files.

Import the modules you need by name, for example
`from course import data, plots`. Importing the package changes no global
state: seeding and data set-up are explicit calls in the notebooks.
"""
