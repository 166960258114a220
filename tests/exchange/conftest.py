import pytest


@pytest.fixture(autouse=True)
def _exchange_folders(settings, tmp_path):
    """Each test writes its archive and its local deliveries in a folder of its own."""
    settings.EXCHANGE_ARCHIVE_DIR = tmp_path / "archive"
    settings.EXCHANGE_DELIVERY_DIR = tmp_path / "delivery"
