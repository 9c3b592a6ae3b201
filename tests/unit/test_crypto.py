"""Secrets at rest: sealed with a key from VWED_SECRET_KEY or a 0600 key file, masked when shown."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vwed.config import Settings
from vwed.crypto import KEY_FILE, SecretBox, SecretUnreadable, mask


def test_sealed_value_opens_to_the_plain_value_and_does_not_contain_it(tmp_path: Path) -> None:
    box = SecretBox.from_settings(Settings(data_dir=tmp_path, secret_key=None))
    sealed = box.seal("SECabcdef0123456789")
    assert "SECabcdef0123456789" not in sealed
    assert box.open(sealed) == "SECabcdef0123456789"


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = SecretBox.from_settings(Settings(data_dir=tmp_path, secret_key=None))
    key_file = tmp_path / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    sealed = first.seal("value")
    assert SecretBox.from_settings(Settings(data_dir=tmp_path, secret_key=None)).open(sealed) == "value"


def test_secret_key_setting_derives_the_key_and_writes_no_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="any passphrase at all")  # type: ignore[arg-type]
    sealed = SecretBox.from_settings(settings).seal("value")
    assert not (tmp_path / KEY_FILE).exists()
    again = Settings(data_dir=tmp_path / "elsewhere", secret_key="any passphrase at all")  # type: ignore[arg-type]
    assert SecretBox.from_settings(again).open(sealed) == "value"


def test_a_different_key_cannot_open_a_sealed_value(tmp_path: Path) -> None:
    sealed = SecretBox.from_settings(Settings(data_dir=tmp_path, secret_key="one")).seal("v")  # type: ignore[arg-type]
    other = SecretBox.from_settings(Settings(data_dir=tmp_path, secret_key="two"))  # type: ignore[arg-type]
    with pytest.raises(SecretUnreadable):
        other.open(sealed)


def test_mask_shows_only_the_ends_of_long_values() -> None:
    assert mask("SEC0123456789abcdef1234") == "SEC****1234"
    assert mask("short") == "******"
    assert mask(None) is None
