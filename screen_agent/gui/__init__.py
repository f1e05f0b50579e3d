"""The desktop app (PySide6): a thin shell over the screen mode.

Plain-Python models (:mod:`screen_agent.gui.model`: the profile being edited, the training
run, the reward debugger) hold the state and announce changes through :class:`Signal`
observers; Qt widgets bind to them. Nothing outside this package imports Qt, and the models
here do not either, so they are tested without a display.

``screen-agent gui [PROFILE]`` runs :func:`screen_agent.gui.app.main`.
"""
