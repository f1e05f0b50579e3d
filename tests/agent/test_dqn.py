import numpy as np
import pytest
import torch

from screen_agent.agent.config import DQNConfig
from screen_agent.agent.dqn import DQNAgent, IncompatibleCheckpointError
from screen_agent.agent.replay import ReplayBatch

CPU = torch.device("cpu")


def make_agent(shape=(4,), n_actions=3, **config) -> DQNAgent:
    cfg = DQNConfig(hidden=(16,), lr=1e-2, **config)
    dtype = np.uint8 if len(shape) == 3 else np.float32
    return DQNAgent(shape, dtype, n_actions, cfg, CPU, np.random.default_rng(0))


def random_batch(rng, size=8, shape=(4,), n_actions=3) -> ReplayBatch:
    return ReplayBatch(
        obs=rng.normal(size=(size, 1, *shape)).astype(np.float32),
        actions=rng.integers(n_actions, size=size),
        returns=rng.normal(size=size).astype(np.float32),
        next_obs=rng.normal(size=(size, 1, *shape)).astype(np.float32),
        discounts=np.where(rng.random(size) < 0.3, 0.0, 0.99).astype(np.float32),
    )


def test_act_is_greedy_at_zero_epsilon_and_random_at_one():
    agent = make_agent()
    obs = np.ones(4, dtype=np.float32)
    greedy = int(np.argmax(agent.q_values(obs)))
    assert all(agent.act(obs, 0.0) == greedy for _ in range(20))
    actions = {agent.act(obs, 1.0) for _ in range(200)}
    assert actions == {0, 1, 2}


def test_update_fits_a_fixed_batch():
    agent = make_agent()
    rng = np.random.default_rng(1)
    batch = random_batch(rng)
    first = float(agent.update(batch)["loss"])
    for _ in range(200):
        last = float(agent.update(batch)["loss"])
    assert last < first * 0.2
    assert agent.updates == 201


def test_double_dqn_target_uses_online_argmax_and_target_values():
    agent = make_agent(double_dqn=True, max_grad_norm=1e9)
    rng = np.random.default_rng(2)
    batch = random_batch(rng)
    with torch.no_grad():
        # Make target differ from online so the two rules give different targets.
        for p in agent.target.parameters():
            p.add_(torch.randn_like(p) * 0.5)
        next_obs = torch.as_tensor(batch.next_obs)
        chosen = agent.online(next_obs).argmax(1, keepdim=True)
        next_q = agent.target(next_obs).gather(1, chosen).squeeze(1)
        expected_target = torch.as_tensor(batch.returns) + torch.as_tensor(batch.discounts) * next_q
        q = agent.online(torch.as_tensor(batch.obs)).gather(
            1, torch.as_tensor(batch.actions)[:, None]
        )
        expected = torch.nn.functional.smooth_l1_loss(q.squeeze(1), expected_target)
    assert float(agent.update(batch)["loss"]) == pytest.approx(float(expected), rel=1e-5)


def test_terminal_transitions_do_not_bootstrap():
    agent = make_agent(max_grad_norm=1e9)
    rng = np.random.default_rng(3)
    batch = random_batch(rng)
    batch = ReplayBatch(
        batch.obs, batch.actions, batch.returns, batch.next_obs, np.zeros(8, np.float32)
    )
    with torch.no_grad():
        q = agent.online(torch.as_tensor(batch.obs)).gather(
            1, torch.as_tensor(batch.actions)[:, None]
        )
        expected = torch.nn.functional.smooth_l1_loss(q.squeeze(1), torch.as_tensor(batch.returns))
    assert float(agent.update(batch)["loss"]) == pytest.approx(float(expected), rel=1e-5)


def test_hard_and_polyak_target_updates():
    hard = make_agent(tau=1.0)
    soft = make_agent(tau=0.25)
    for agent in (hard, soft):
        with torch.no_grad():
            for p in agent.online.parameters():
                p.add_(1.0)
    before = [p.clone() for p in soft.target.parameters()]
    hard.update_target()
    soft.update_target()
    for o, t in zip(hard.online.parameters(), hard.target.parameters(), strict=True):
        assert torch.equal(o, t)
    for o, t, b in zip(soft.online.parameters(), soft.target.parameters(), before, strict=True):
        assert torch.allclose(t, b + 0.25 * (o - b))


def test_checkpoint_round_trip_and_refusal_names_both_shapes():
    agent = make_agent()
    agent.update(random_batch(np.random.default_rng(4)))
    state = agent.state_dict()
    clone = make_agent()
    clone.load_state_dict(state)
    obs = np.arange(4, dtype=np.float32)
    assert np.array_equal(agent.q_values(obs), clone.q_values(obs))
    assert clone.updates == 1

    other = make_agent(shape=(4, 84, 84), n_actions=6)
    with pytest.raises(IncompatibleCheckpointError) as error:
        other.load_state_dict(state, source="run/checkpoint.pt")
    message = str(error.value)
    assert "run/checkpoint.pt" in message
    assert "(4,) with 3 actions" in message
    assert "(4, 84, 84) with 6 actions" in message


def test_checkpoint_for_other_action_names_is_refused():
    agent = make_agent()
    renamed = DQNAgent(
        (4,), np.float32, 3, agent.config, CPU, np.random.default_rng(0), ["stay", "left", "right"]
    )
    with pytest.raises(IncompatibleCheckpointError, match="same action set"):
        renamed.load_state_dict(agent.state_dict())


def image_batch(rng, size=8, n_actions=3) -> ReplayBatch:
    return ReplayBatch(
        obs=rng.integers(0, 256, size=(size, 4, 84, 84), dtype=np.uint8),
        actions=rng.integers(n_actions, size=size),
        returns=rng.normal(size=size).astype(np.float32),
        next_obs=rng.integers(0, 256, size=(size, 4, 84, 84), dtype=np.uint8),
        discounts=np.full(size, 0.9, dtype=np.float32),
    )


def test_target_synced_every_update_gives_the_same_loss_as_a_separate_target():
    """With the target copied after every update (DrQ(eps)), the update skips the target pass;
    the loss must be the one a separate target network gives."""
    skip = make_agent(shape=(4, 84, 84), target_update_interval=1)
    full = make_agent(shape=(4, 84, 84), target_update_interval=1)
    full._target_is_online = lambda: False  # always run the target network
    full.online.load_state_dict(skip.online.state_dict())
    full.target.load_state_dict(skip.online.state_dict())
    assert not skip._target_is_online()  # not claimed before the first hard update
    skip.update_target()
    full.update_target()
    rng = np.random.default_rng(5)
    for _ in range(3):
        batch = image_batch(rng)
        assert skip._target_is_online()
        loss_skip = float(skip.update(batch)["loss"])
        loss_full = float(full.update(batch)["loss"])
        assert loss_skip == pytest.approx(loss_full, rel=1e-5)
        assert not skip._target_is_online()  # the optimizer step changed the online network
        skip.update_target()
        full.update_target()


def test_a_target_changed_after_the_copy_is_used_again():
    agent = make_agent(shape=(4, 84, 84))
    agent.update_target()
    assert agent._target_is_online()
    with torch.no_grad():
        next(agent.target.parameters()).add_(1.0)
    assert not agent._target_is_online()
    agent.update_target()
    assert agent._target_is_online()
    agent.load_state_dict(agent.state_dict())
    assert not agent._target_is_online()


def test_augmented_update_runs_on_image_stacks_and_returns_detached_scalars():
    agent = make_agent(shape=(4, 84, 84), augment_shift=4, augment_intensity=0.05)
    stats = agent.update(image_batch(np.random.default_rng(6)))
    for value in stats.values():
        assert value.dim() == 0 and not value.requires_grad


def test_thin_network_option():
    thin = make_agent(shape=(4, 84, 84), cnn_width=0.5)
    full = make_agent(shape=(4, 84, 84))
    count = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
    assert count(thin.online) < count(full.online) / 3
    assert thin.q_values(np.zeros((4, 84, 84), np.uint8)).shape == (3,)


def test_checkpoint_of_another_network_width_is_refused():
    thin = make_agent(shape=(4, 84, 84), cnn_width=0.5)
    full = make_agent(shape=(4, 84, 84))
    with pytest.raises(IncompatibleCheckpointError, match="another size"):
        full.load_state_dict(thin.state_dict(), source="thin.pt")
