"""Settings: defaults from config/settings.toml, overrides from the environment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.locations import packaged_seed_dir
from bot.settings import PROJECT_DIR, SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.points == 5 and settings.max_points == 10
    assert settings.store_path == Path("data/briefbot.sqlite3")
    assert settings.seed_dir == packaged_seed_dir()
    assert settings.seed_dir.resolve() == (PROJECT_DIR / "seeds").resolve()


def test_environment_overrides_the_store_path(tmp_path: Path) -> None:
    assert load_settings({"BRIEFBOT_DB": str(tmp_path / "x.db")}).store_path == tmp_path / "x.db"


@pytest.mark.parametrize(
    "body",
    [
        "[brief]\npoints = 0\n",
        "[brief]\npoints = 'five'\n",
        "[brief]\npoints = 12\n",
        "store = 1\n",
        "[x\n",
    ],
)
def test_bad_settings_name_the_file(tmp_path: Path, body: str) -> None:
    (tmp_path / "settings.toml").write_text(body)
    with pytest.raises(SettingsError, match=r"settings\.toml"):
        load_settings({}, tmp_path)


def test_missing_config_folder(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings({"BRIEFBOT_CONFIG": str(tmp_path / "nowhere")})


def test_worker_lease_host_id_and_trusted_networks(tmp_path: Path) -> None:
    defaults = load_settings({})
    assert defaults.workers.lease == dt.timedelta(seconds=60) and defaults.workers.host_id == ""
    assert defaults.fetch.trusted_networks == ()
    (tmp_path / "settings.toml").write_text(
        '[workers]\nlease_seconds = 90\n[fetch]\ntrusted_networks = ["10.1.0.0/16", "fd00::/8"]\n'
    )
    settings = load_settings({"BRIEFBOT_HOST_ID": " rack-2 "}, tmp_path)
    assert settings.workers.lease == dt.timedelta(seconds=90)
    assert settings.workers.host_id == "rack-2"
    assert [str(n) for n in settings.fetch.trusted_networks] == ["10.1.0.0/16", "fd00::/8"]
    for bad, message in (
        ("[workers]\nlease_seconds = 0", "positive number of seconds"),
        ('[fetch]\ntrusted_networks = ["intranet"]', "trusted_networks"),
        ('[fetch]\ntrusted_networks = "10.0.0.0/8"', "must be a list"),
    ):
        (tmp_path / "settings.toml").write_text(bad + "\n")
        with pytest.raises(SettingsError, match=message):
            load_settings({}, tmp_path)
