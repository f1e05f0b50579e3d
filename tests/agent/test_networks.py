import numpy as np
import pytest
import torch

from screen_agent.agent.networks import MLP, NatureCNN, QNetwork


def test_image_stack_gets_nature_cnn_and_accepts_uint8():
    net = QNetwork((4, 84, 84), np.uint8, n_actions=6)
    assert isinstance(net.body, NatureCNN)
    frames = torch.randint(0, 256, (2, 4, 84, 84), dtype=torch.uint8)
    assert net(frames).shape == (2, 6)


def test_cnn_scales_pixels_inside_the_network():
    net = QNetwork((4, 84, 84), np.uint8, n_actions=3)
    frames = torch.full((1, 4, 84, 84), 255, dtype=torch.uint8)
    expected = net(torch.ones(1, 4, 84, 84) * 255)  # float input, same scaling path
    assert torch.allclose(net(frames), expected)
    first_conv = net.body.convs[0]
    direct = first_conv(torch.ones(1, 4, 84, 84))  # 255 / 255 = 1 after scaling
    assert torch.allclose(net.body.convs[:1](frames.float() / 255), direct)


def test_vector_observation_gets_mlp_sized_from_space():
    net = QNetwork((4,), np.float32, n_actions=2, hidden=(32, 16))
    assert isinstance(net.body, MLP)
    assert net.body.out_features == 16
    assert net(torch.zeros(5, 4)).shape == (5, 2)
    assert net(torch.zeros(5, 1, 4)).shape == (5, 2)  # replay batches carry a stack axis of 1


@pytest.mark.parametrize("shape", [(4, 84, 84), (8,)])
def test_dueling_head_advantages_have_zero_mean(shape):
    dtype = np.uint8 if len(shape) == 3 else np.float32
    net = QNetwork(shape, dtype, n_actions=4, dueling=True)
    x = torch.zeros(3, *shape, dtype=torch.uint8 if dtype == np.uint8 else torch.float32)
    features = net.body(x)
    q = net(x)
    assert torch.allclose(q.mean(dim=1, keepdim=True), net.value(features), atol=1e-6)
