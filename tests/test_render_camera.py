"""Camera transforms and arena tiling: properties that hold for any view."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from alife.render.camera import Camera
from alife.render.scene import arena_layout, layout_bounds, ray_hits
from alife.world.snapshot import AgentView

coords = st.floats(-1e4, 1e4, allow_nan=False)
zooms = st.floats(1e-2, 1e2, allow_nan=False)


def _camera(cx, cy, zoom) -> Camera:
    cam = Camera((40, 30, 800, 600))
    cam.cx, cam.cy, cam.zoom = cx, cy, zoom
    return cam


@given(cx=coords, cy=coords, zoom=zooms, x=coords, y=coords)
def test_world_screen_round_trip(cx, cy, zoom, x, y):
    cam = _camera(cx, cy, zoom)
    sx, sy = cam.world_to_screen(x, y)
    bx, by = cam.screen_to_world(sx, sy)
    assert np.isclose(bx, x, atol=1e-6 * (1 + abs(x) + abs(cx)))
    assert np.isclose(by, y, atol=1e-6 * (1 + abs(y) + abs(cy)))


def test_y_axis_points_up_on_screen():
    cam = _camera(0.0, 0.0, 2.0)
    _, low = cam.world_to_screen(0.0, -10.0)
    _, high = cam.world_to_screen(0.0, 10.0)
    assert high < low


@given(
    cx=coords,
    cy=coords,
    zoom=zooms,
    px=st.integers(40, 840),
    py=st.integers(30, 630),
    f=st.floats(0.2, 5),
)
def test_zoom_keeps_the_point_under_the_cursor(cx, cy, zoom, px, py, f):
    cam = _camera(cx, cy, zoom)
    before = cam.screen_to_world(px, py)
    cam.zoom_at((px, py), f)
    after = cam.screen_to_world(px, py)
    assert np.allclose(before, after, atol=1e-6 * (1 + abs(cx) + abs(cy)) / min(1, zoom))


@given(dx=st.integers(-500, 500), dy=st.integers(-500, 500), zoom=zooms)
def test_pan_moves_content_with_the_mouse(dx, dy, zoom):
    cam = _camera(10.0, 20.0, zoom)
    w = cam.screen_to_world(300, 200)
    cam.pan(dx, dy)
    assert np.allclose(cam.screen_to_world(300 + dx, 200 + dy), w)


@given(count=st.integers(1, 200), w=st.floats(10, 1000), h=st.floats(10, 1000))
def test_arenas_tile_without_overlap_and_fit_in_view(count, w, h):
    off = arena_layout(count, (w, h))
    assert off.shape == (count, 2)
    for a in range(min(count, 30)):
        other = np.delete(off, a, axis=0)
        overlap_x = np.abs(other[:, 0] - off[a, 0]) < w
        overlap_y = np.abs(other[:, 1] - off[a, 1]) < h
        assert not (overlap_x & overlap_y).any()
    x, y, bw, bh = layout_bounds(count, (w, h))
    assert (off[:, 0] >= x - 1e-9).all() and (off[:, 0] + w <= x + bw + 1e-9).all()
    assert (off[:, 1] >= y - 1e-9).all() and (off[:, 1] + h <= y + bh + 1e-9).all()
    cam = Camera((0, 0, 1000, 700))
    cam.fit((x, y, bw, bh))
    sx, sy = cam.world_to_screen(np.array([x, x + bw]), np.array([y, y + bh]))
    assert sx.min() >= -1e-6 and sx.max() <= 1000 + 1e-6
    assert sy.min() >= -1e-6 and sy.max() <= 700 + 1e-6


def test_ray_hits_read_the_nearest_class_per_ray():
    names = ["ray0.wall", "ray0.food", "ray1.wall", "ray1.food", "energy", "bias"]
    inputs = np.array([0.2, 0.7, 0.0, 0.0, 0.5, 1.0], np.float32)
    view = AgentView(
        agent_id=1, species=0, arena=0, x=0.0, y=0.0, heading=0.0, energy=1.0, age=0,
        generation=0, parent_id=-1, sensor_names=names, inputs=inputs, motor_names=["turn"],
        motors=np.zeros(1, np.float32), switch_states=np.zeros((1, 4), bool),
        condensed=np.zeros((1, 6), np.float32), memory=None, read_keys=None, write_key=None,
        write_value=None, write_gate=None, ray_angles=np.array([-0.1, 0.1], np.float32),
        ray_range=50.0,
    )  # fmt: skip
    hits = ray_hits(view)
    assert hits[0][1] == "food" and np.isclose(hits[0][0], 0.3)
    assert hits[1] == (1.0, None)
