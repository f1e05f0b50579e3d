"""screen-agent: a DQN that learns to play games from the screen."""

__version__ = "0.1.0"
