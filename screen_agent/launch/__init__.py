"""Starting a profile's game: ``screen-agent launch PROFILE`` and the sessions' ``--launch``.

- :mod:`.game`: :func:`launch_game` (helpers, the game, its window found by title and owner,
  placed, focused, the launch steps pressed) and :class:`LaunchedGame`, which stops it all;
- :mod:`.processes`: each program in a process group of its own with its output in a log,
  free ports, the process tree.

The placeholders of ``[launch]`` strings are the profile's (:mod:`screen_agent.profile.placeholders`).
"""

from screen_agent.launch.game import LaunchedGame, LaunchError, launch_game, profile_folder

__all__ = ["LaunchError", "LaunchedGame", "launch_game", "profile_folder"]
