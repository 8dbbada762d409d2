"""The repository checks."""
