"""Bundled games in a real window, for demos and end-to-end tests.

Emulated Atari games (``atari.py``, via ale-py) and Catch (``catch.py``), shown by thin Qt
windows (``window.py``); ``app.run`` opens one. The games know nothing of the agent: it only
sees their pixels and presses keys. Only ``window.py`` and ``app.run`` import Qt.
"""
