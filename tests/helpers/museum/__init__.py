"""The bug museum's machinery: how `tests/test_bug_museum.py` runs final's own checks on the
article's app and tells which bug they found. Its docstring says how an exhibit works.

- `final_checks.py`: final's checks and strategies, the module objects pytest uses;
- `exchanges.py`: a request a check sent and what came back, and the values of its body;
- `known_bugs.py`: the article's known bugs, each told apart by the requests that show it;
- `client.py`: the client a check gets, which avoids the other bugs and keeps a transcript;
- `recognisers.py`: for each bug, the evidence that a failure is that bug;
- `exhibit.py`: an exhibit (a bug, its exception, its recogniser) and how it raises;
- `article_app.py`: the article's app, served the way final's fixtures serve final/;
- `runs.py`: final's property and state machine, run on the article's app for one exhibit.
"""
