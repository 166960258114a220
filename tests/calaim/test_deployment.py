"""The container set-up as data (no Docker engine runs here): the image holds every package the
project ships, and the worker that writes the health networks' files shares them with the web that
serves their downloads."""

import re
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def shipped_packages() -> set[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}


def test_every_app_of_ours_is_shipped():
    tops = {app.split(".")[0] for app in settings.INSTALLED_APPS}
    assert {top for top in tops if (ROOT / top).is_dir()} <= shipped_packages()


def test_the_image_copies_every_shipped_package_with_templates_static_files_and_translations():
    copied = set(re.findall(r"^COPY (\S+) \1$", (ROOT / "Dockerfile").read_text(), re.M))
    assert shipped_packages() | {"templates", "static", "locale"} <= copied


def test_web_and_worker_share_the_folder_of_the_files_for_the_health_networks():
    compose = (ROOT / "docker-compose.yml").read_text()
    shared = re.search(r"^x-app: &app\n(.*?)^\S", compose, re.M | re.S).group(1)
    assert "EXCHANGE_ARCHIVE_DIR: /app/files/archive" in shared
    assert "- files:/app/files" in shared
    for service in ("web", "worker", "beat"):
        assert re.search(rf"^  {service}:\n    <<: \*app$", compose, re.M), service
