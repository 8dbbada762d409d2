"""Graded exercises for the course, and the tools an instructor uses with them.

`python -m exercises.grade`, `python -m exercises.release`, `python -m exercises.export`:
see exercises/README.md.
"""
