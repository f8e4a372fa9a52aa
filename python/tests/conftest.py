"""Shared data and tools of the package's tests.

The data is generated with a fixed seed, with a planted rule: rulec must
find it. The command-line binary (for the parity tests) is the workspace's
release build: ``$RULEC_BIN``, else ``$CARGO_TARGET_DIR/release/rulec``,
else ``target/release/rulec``; without it those tests skip, and fail under
``RULEC_REQUIRE_TOOLS=1`` (as CI sets).
"""

import os
import pathlib

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def require_or_skip(what: str):
    if os.environ.get("RULEC_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{what} (RULEC_REQUIRE_TOOLS=1)")
    pytest.skip(what)


def planted(n: int = 4000, seed: int = 0):
    """A pandas frame: `y` is "yes" when x < 30 and zone is north or east
    (99 % of the time), else "no" (97 % of the time)."""
    import pandas as pd

    rng = np.random.RandomState(seed)
    x = np.round(rng.uniform(0, 100, n), 2)
    w = np.round(rng.normal(10, 3, n), 3)
    zone = rng.choice(["north", "east", "south", "west"], n)
    flag = rng.rand(n) < 0.5
    rule = (x < 30) & np.isin(zone, ["north", "east"])
    noise = rng.rand(n)
    y = np.where(rule, np.where(noise < 0.99, "yes", "no"), np.where(noise < 0.97, "no", "yes"))
    return pd.DataFrame({"x": x, "w": w, "zone": zone, "flag": flag, "y": y})


@pytest.fixture(scope="session")
def frame():
    return planted()


@pytest.fixture(scope="session")
def csv_path(tmp_path_factory, frame):
    path = tmp_path_factory.mktemp("data") / "planted.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def rulec_bin():
    candidates = []
    if os.environ.get("RULEC_BIN"):
        candidates.append(pathlib.Path(os.environ["RULEC_BIN"]))
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(pathlib.Path(os.environ["CARGO_TARGET_DIR"]) / "release" / "rulec")
    candidates.append(REPO / "target" / "release" / "rulec")
    for c in candidates:
        if c.is_file():
            return c
    require_or_skip("no rulec binary built (cargo build --release); set RULEC_BIN")


@pytest.fixture(scope="session")
def telco():
    path = REPO.parent / "shared" / "bench" / "data" / "telco_churn.csv"
    if not path.is_file():
        require_or_skip(f"the benchmark's telco data is not at {path}")
    return path


# Small, fast settings for most compiles: every test that is not about a
# default uses them.
FAST = dict(trees=10, no_cache=True)
