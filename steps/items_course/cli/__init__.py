"""`items-course`: the learner's command, run in their project folder (the one holding app/).

==================================  ===========================================================
``items-course`` / ``… watch``      checks the current step (the first not passed yet), then
                                    again whenever a file of the project changes; moves on
                                    when the step passes; keys: h hint, l list, n next, q quit
``items-course check [STEP]``       one step's checks (default: the current step); the exit
                                    status is pytest's
``items-course hint [STEP]``        the advice for the step's first failure, then the lesson's
                                    "When a check fails" section
``items-course list``               the seven steps: passed, failed or not tried
``items-course start [DIR]``        a new empty project, ready for step 01
==================================  ===========================================================

STEP is a number or a name: ``3``, ``03``, ``schemas`` or ``03_schemas``. ``--app-dir PATH``
names another project folder. One module per command (``check``, ``hint``, ``listing``,
``start``, ``watch``); ``runner`` runs the checks (cold, or in a warm process for watch mode);
``project`` finds the learner's project.
"""
