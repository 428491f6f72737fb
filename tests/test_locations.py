"""Where configuration, seeds and the store are found: the documented look-up order."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from bot.cli import main
from bot.locations import (
    CONFIG_FILES,
    InitError,
    packaged_config_dir,
    packaged_seed_dir,
    user_data_dir,
    write_default_config,
)
from bot.settings import PROJECT_DIR, SettingsError, load_settings


def test_packaged_defaults_are_the_checkout_folders_not_a_copy() -> None:
    # One source of truth: the package's folders are the top-level ones (links in a checkout,
    # their copies in a wheel), so the two can never diverge.
    assert packaged_config_dir().resolve() == (PROJECT_DIR / "config").resolve()
    assert packaged_seed_dir().resolve() == (PROJECT_DIR / "seeds").resolve()
    for name in CONFIG_FILES:
        assert (packaged_config_dir() / name).is_file()


def test_outside_a_checkout_the_packaged_defaults_and_a_per_user_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"HOME": str(tmp_path / "home")})
    assert settings.config_dir == packaged_config_dir()
    assert "packaged defaults" in settings.config_reason
    assert settings.store_path == tmp_path / "home/.local/share/briefbot/briefbot.sqlite3"
    assert settings.seed_dir == packaged_seed_dir()


def test_a_config_folder_in_the_working_directory_wins_over_the_packaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_default_config(tmp_path / "config")
    (tmp_path / "config" / "settings.toml").write_text("[brief]\npoints = 3\n")
    settings = load_settings({"HOME": str(tmp_path / "home")})
    assert settings.points == 3 and settings.config_reason == "./config in the working directory"
    assert settings.store_path == Path("data/briefbot.sqlite3")
    # Then BRIEFBOT_CONFIG, then --config, each over the one before.
    env_folder, given_folder = tmp_path / "env", tmp_path / "given"
    for folder, points in ((env_folder, 4), (given_folder, 2)):
        folder.mkdir()
        (folder / "settings.toml").write_text(f"[brief]\npoints = {points}\n")
    env = {"BRIEFBOT_CONFIG": str(env_folder)}
    assert load_settings(env).points == 4
    assert load_settings(env, given_folder).points == 2


def test_store_path_and_seed_dir_from_the_file_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        '[store]\npath = "state/bot.db"\n[ingest]\nseed_dir = "corpus"\n'
    )
    settings = load_settings({}, tmp_path)
    assert settings.store_path == Path("state/bot.db") and "store.path" in settings.store_reason
    assert settings.seed_dir == tmp_path / "corpus"  # relative to the settings file's folder
    db = tmp_path / "x.db"
    assert load_settings({"BRIEFBOT_DB": str(db)}, tmp_path).store_path == db
    (tmp_path / "settings.toml").write_text("[store]\npath = 3\n")
    with pytest.raises(SettingsError, match=r"store\.path must be a string"):
        load_settings({}, tmp_path)


def test_user_data_dir_follows_xdg() -> None:
    assert user_data_dir({"HOME": "/h", "XDG_DATA_HOME": "/x"}) == Path("/x/briefbot")
    # The XDG spec: a relative value is ignored.
    assert user_data_dir({"HOME": "/h", "XDG_DATA_HOME": "rel"}) == Path("/h/.local/share/briefbot")


def test_init_writes_an_editable_copy_and_never_overwrites_edits(tmp_path: Path) -> None:
    folder = tmp_path / "deploy" / "config"
    written = write_default_config(folder)
    assert [p.name for p in written] == list(CONFIG_FILES)
    for name in CONFIG_FILES:
        assert filecmp.cmp(folder / name, packaged_config_dir() / name, shallow=False)
    assert load_settings({}, folder).seed_dir == packaged_seed_dir()
    (folder / "topics.toml").write_text("# edited\n")
    with pytest.raises(InitError, match="already exist"):
        write_default_config(folder)
    assert (folder / "topics.toml").read_text() == "# edited\n"
    write_default_config(folder, force=True)
    assert (folder / "topics.toml").read_bytes() == (
        packaged_config_dir() / "topics.toml"
    ).read_bytes()


def test_briefbot_init_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert (tmp_path / "config" / "settings.toml").is_file()
    # The files the chat platforms declare come too (Slack's app manifest).
    assert (tmp_path / "config" / "slack-manifest.yml").is_file()
    assert "briefbot uses ./config" in capsys.readouterr().out
    assert main(["init"]) == 1
    assert "--force" in capsys.readouterr().err
