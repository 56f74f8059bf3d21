"""The image holds every package the bot imports: a package added to the repository (a layout change, a new layer)
and not copied by the Dockerfile would only fail inside the container, at the first import."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOT_SHIPPED = {"tests", "testing", "bench", "scripts"}  # test and benchmark code stays out of the image


def test_the_dockerfile_copies_every_product_package() -> None:
    packages = {
        child.name
        for child in REPO.iterdir()
        if child.is_dir() and (child / "__init__.py").is_file() and child.name not in NOT_SHIPPED
    }
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\S+) \./\1\s*$", text, flags=re.MULTILINE))
    assert packages <= copied, f"the Dockerfile does not copy {sorted(packages - copied)}"
    assert {"bot", "corpus", "index"} <= packages
