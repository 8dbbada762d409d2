"""Running the commands the READMEs show: the machinery of `tests/test_readme_commands.py`,
whose docstring states the rules a README follows.

One module a job, in the order a block goes through them:

- `parser.py`: reads the READMEs' ```bash and ```pycon blocks, their ```text output and
  their markers;
- `workspace.py`: makes a block's copy of the repository and the stand-ins for what only a
  reader has (`~/fastapi-crud`, an exercise's folder, `submissions/`, `user@host`);
- `venv.py`: the copy's `.venv`, which borrows the packages of the test run's own;
- `environment.py`: the shell environment a command gets;
- `postgres.py`: the throwaway PostgreSQL server and the commands' databases on it;
- `processes.py`: runs a command in a process group of its own, to its end or until stopped;
- `server.py`: a command that starts uvicorn, on a free port, and the probe that tries it;
- `output.py`: what the commands printed, compared with the ```text block;
- `outcomes.py`: what happened to each command and block, and the failure message;
- `runner.py`: runs a block's commands in order, and the blocks in parallel.
"""

# The module whose docstring states the rules; failure messages send the reader there.
RULES = "tests/test_readme_commands.py"
