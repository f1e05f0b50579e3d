"""Game profiles: one TOML file per game (``calibration/<name>.toml``, documented in
``calibration/README.md``).

- :mod:`.model`: the dataclasses (:class:`GameProfile` and its parts);
- :mod:`.load`: TOML to a validated profile, and the checks that need the screen;
- :mod:`.reward_schema`: the ``[[rewards]]`` rules' keys, types, bounds and defaults;
- :mod:`.save`: the profile back to TOML, keeping a hand-edited file's comments;
- :mod:`.placeholders`: ``{profile_dir}``, ``{tmp}``, ``{port}``, ``{python}`` in ``[launch]``;
- :mod:`.programs`: the checks of the programs ``[launch]`` starts (argv, env, helpers).
"""

from screen_agent.geometry import Region
from screen_agent.profile.checks import ProfileError
from screen_agent.profile.load import (
    check_in_window,
    check_on_screen,
    load_profile,
    profile_from_dict,
    require_rewards,
)
from screen_agent.profile.model import (
    Action,
    GameProfile,
    Helper,
    Launch,
    Restart,
    Step,
    WindowRef,
)
from screen_agent.profile.save import dumps_profile, profile_to_dict, save_profile

__all__ = [
    "Action",
    "GameProfile",
    "Helper",
    "Launch",
    "ProfileError",
    "Region",
    "Restart",
    "Step",
    "WindowRef",
    "check_in_window",
    "check_on_screen",
    "dumps_profile",
    "load_profile",
    "profile_from_dict",
    "profile_to_dict",
    "require_rewards",
    "save_profile",
]
