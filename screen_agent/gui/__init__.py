"""The desktop app (PySide6): a thin shell over the screen mode.

Plain-Python models (:mod:`screen_agent.gui.model`: the profile being edited, the training
run, the reward debugger, the demonstration files) hold the state and announce changes
through :class:`Signal` observers; Qt widgets bind to them. Nothing outside this package
imports Qt, and the models here do not either, so they are tested without a display. Work
that takes long (training and play in a child process, the probe, starting the game,
"Find for me", recording a demonstration, writing a report) runs in a
:class:`~screen_agent.gui.background.BackgroundTask` and calls the core for everything it
does: :mod:`.calibration_job` and :mod:`.calibration_apply` (no Qt) string the core's
calibration together for :mod:`.calibration_panel` and :mod:`.calibration_review`;
:mod:`.game_launcher`, :mod:`.demos_panel` and :mod:`.report_opener` do the same for
``launch``, ``record --demo`` and ``report``. The app never imports torch.

``screen-agent gui [PROFILE]`` runs :func:`screen_agent.gui.app.main`.
"""
