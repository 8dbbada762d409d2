"""The course's tools: the pytest plugin every check runs with, and the `items-course` command.

The plugin (``items_course.plugin``, loaded by the repository's root ``conftest.py``) is made
of modules with one job each:

=========================  ==================================================================
``course``                 the manifest: where the course is, its seven steps, their names,
                           the names each module of `app` defines
``requirements``           the packages the checks need, and the one message when some are
                           missing
``loading``                each ``app`` package imported in isolation (many are called
                           ``app``), with messages when a file or a name is missing
``app_dir``                ``--app-dir``: the learner's project folder, or advice
``advice``                 the advice catalogue: what a learner's error most likely means
``code_advice``            advice from what the learner's code passed, for a library's error
                           about it (a module where an object was expected, a handler
                           without ``return``, a check's own line crashing on a value)
``learners_code``          reading the learner's code around an error: frames, names, lines
``reports``                readable failure reports (repeats point back, learner frames only)
``timeouts``               the wall-clock guard: learner code that never returns
``progress``               the progress summary at the end of a learner's run
``saved_progress``         ``.items-course.json``: every check run's verdicts, kept in the
                           learner's project for ``items-course list`` and watch mode
``hypothesis_profiles``    the ``fast`` and ``thorough`` Hypothesis profiles
``commands``               how to write a command so that it works where the learner types it
``wording``                small helpers for messages (``describe_value``: a value as a
                           learner recognises it)
``shared_state``           what the modules share during a run, kept in pytest's stash
``check_databases``        the checks' own databases (in-memory SQLite, sessions made like
                           the app's), for ``steps/conftest.py``
``item_values``            valid item values, and the report of a partial update gone wrong,
                           that the checks of steps 04 and 05 share
=========================  ==================================================================

The command line is ``items_course.cli`` (see its ``__init__``).
"""
