import pytest

from screen_agent.agent.config import (
    DQNConfig,
    atari100k_config,
    atari_config,
    screen_efficient_config,
)
from screen_agent.agent.schedules import LinearSchedule, epsilon_schedule


def test_linear_schedule_with_delay():
    s = LinearSchedule(1.0, 0.0, duration=10, delay=5)
    assert [s(t) for t in (0, 5, 10, 15, 100)] == pytest.approx([1.0, 1.0, 0.5, 0.0, 0.0])
    assert LinearSchedule(1.0, 0.1, duration=0)(0) == 0.1


def test_epsilon_schedule_follows_dopamine_after_the_warm_up():
    config = atari100k_config()
    eps = epsilon_schedule(config)
    assert eps(0) == eps(config.learning_starts) == 1.0
    assert eps(config.learning_starts + config.eps_decay_steps // 2) == pytest.approx(0.505)
    assert eps(config.learning_starts + config.eps_decay_steps) == pytest.approx(0.01)
    # The fraction-based fallback ends the decay at the same step.
    fallback = int(config.eps_fraction * config.total_steps)
    assert fallback == config.learning_starts + config.eps_decay_steps


def test_epsilon_schedule_by_fraction_when_no_decay_steps():
    config = DQNConfig(total_steps=1000, eps_fraction=0.5, eps_start=1.0, eps_end=0.0)
    eps = epsilon_schedule(config)
    assert eps(0) == 1.0 and eps(250) == pytest.approx(0.5) and eps(500) == 0.0


def test_presets_keep_the_classic_atari_one_and_add_the_data_efficient_ones():
    classic = atari_config()
    assert (classic.n_step, classic.augment_shift, classic.target_update_interval) == (3, 0, 2000)
    drq = atari100k_config()
    assert (drq.n_step, drq.train_freq, drq.learning_starts) == (10, 1, 1_600)
    assert (drq.target_update_interval, drq.augment_shift, drq.augment_intensity) == (1, 4, 0.05)
    assert drq.dueling and drq.double_dqn and drq.eps_end == 0.01
    screen = screen_efficient_config()
    assert screen.augment_shift == 4 and screen.n_step == 10 and screen.eval_interval == 0


def test_a_presets_file_names_a_wrong_setting_or_base() -> None:
    import pytest

    from screen_agent.agent.config import load_presets

    built = load_presets('[a]\nlr = 0.5\n[b]\nbase = "a"\nn_step = 7\n')
    assert (built["b"].lr, built["b"].n_step, built["a"].n_step) == (0.5, 7, 1)
    with pytest.raises(ValueError, match=r"\[a\]: no such setting \['learning_rate'\]"):
        load_presets("[a]\nlearning_rate = 0.5\n")
    with pytest.raises(ValueError, match=r"\[b\]: base 'c' is not a preset above it"):
        load_presets('[b]\nbase = "c"\n')
