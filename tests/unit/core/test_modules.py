import pytest

from finplat.modules import optional_module


def test_an_existing_module_is_returned() -> None:
    assert optional_module("finplat.ledger.service") is not None


@pytest.mark.parametrize(
    "name", ["finplat.ledger.no_such_module", "finplat.no_such_package.router"]
)
def test_a_missing_module_or_package_is_none(name: str) -> None:
    assert optional_module(name) is None


def test_an_import_error_inside_a_module_propagates(tmp_path, monkeypatch) -> None:
    (tmp_path / "broken_plugin.py").write_text("import no_such_dependency_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError):
        optional_module("broken_plugin")
