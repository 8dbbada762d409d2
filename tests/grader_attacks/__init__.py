"""The grader attack tests (see hostile.py)."""
