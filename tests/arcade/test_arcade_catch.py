"""Catch's rules: a real task (random play is poor) that perfect play always wins."""

from __future__ import annotations

import numpy as np
import pytest

from screen_agent.arcade.catch import CatchConfig, CatchGame


def endless(seed: int = 0) -> CatchGame:
    """A game whose round never ends, for long simulations."""
    return CatchGame(CatchConfig(balls_per_round=10**9), np.random.default_rng(seed))


def follow(game: CatchGame) -> int:
    """The perfect policy: move towards the ball's column."""
    if game.ball is None:
        return 0
    column = game.ball[1]
    if column < game.paddle:
        return -1
    return 1 if column >= game.paddle + game.config.paddle_width else 0


def test_default_geometry_is_a_real_task() -> None:
    config = CatchConfig()
    assert config.columns >= 8
    assert config.paddle_width * 5 <= config.columns


def test_ball_starts_in_every_column() -> None:
    game = endless(seed=3)
    columns = set()
    while game.balls < 300:
        if game.ball is not None and game.ball[0] == 0:
            columns.add(game.ball[1])
        game.tick(0)
    assert columns == set(range(game.config.columns))


def test_random_policy_catches_at_most_a_third() -> None:
    game, policy = endless(seed=0), np.random.default_rng(1)
    while game.balls < 2000:
        game.tick(int(policy.integers(-1, 2)))
    assert game.caught / game.balls <= 1 / 3


def test_following_the_ball_catches_every_ball() -> None:
    game = endless(seed=2)
    while game.balls < 500:
        game.tick(follow(game))
    assert game.caught == game.balls


def test_standing_still_catches_few() -> None:
    game = endless(seed=4)
    while game.balls < 1000:
        game.tick(0)
    assert game.caught / game.balls <= 1 / 3


def test_rewards_and_score() -> None:
    game = CatchGame(CatchConfig(), np.random.default_rng(0))
    rewards: list[int] = []
    while not game.game_over:
        rewards.append(game.tick(follow(game) if game.balls < 5 else -follow(game) or 1))
    landed = [r for r in rewards if r != 0]
    assert len(landed) == game.config.balls_per_round == game.balls
    assert sum(landed) == game.score == game.caught - (game.balls - game.caught)
    assert landed[:5] == [1] * 5


def test_round_ends_after_ten_balls_and_restarts() -> None:
    game = CatchGame(CatchConfig(), np.random.default_rng(0))
    for _ in range(10_000):
        if game.game_over:
            break
        game.tick(0)
    assert game.game_over and game.balls == 10
    frozen = (game.ball, game.paddle, game.score)
    assert game.tick(1) == 0 and (game.ball, game.paddle, game.score) == frozen
    game.new_round()
    assert not game.game_over and game.score == 0 and game.balls == 0 and game.ball is not None


def test_paddle_moves_one_column_per_tick_and_stays_on_the_field() -> None:
    game = CatchGame(CatchConfig(), np.random.default_rng(0))
    start = game.paddle
    game.tick(1)
    assert game.paddle == start + 1
    for _ in range(20):
        game.tick(-1)
    assert game.paddle == 0
    for _ in range(20):
        game.tick(1)
    assert game.paddle == game.config.columns - game.config.paddle_width


def test_ball_falls_one_row_per_tick_and_is_reachable() -> None:
    config = CatchConfig()
    game = CatchGame(config, np.random.default_rng(0))
    assert game.ball is not None and game.ball[0] == 0
    game.tick(0)
    assert game.ball is not None and game.ball[0] == 1
    # Ticks from a ball's appearance to its landing must let the paddle cross the field.
    assert config.rows - 1 >= config.columns - config.paddle_width


def test_same_seed_same_game() -> None:
    a, b = endless(seed=7), endless(seed=7)
    for _ in range(200):
        a.tick(1)
        b.tick(1)
    assert (a.ball, a.score, a.paddle) == (b.ball, b.score, b.paddle)


@pytest.mark.parametrize(
    "kwargs", [{"columns": 1}, {"paddle_width": 0}, {"paddle_width": 11}, {"ticks_per_second": 0}]
)
def test_bad_config_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        CatchConfig(**kwargs)
