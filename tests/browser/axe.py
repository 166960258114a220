"""axe-core accessibility checks for browser tests: `assert_accessible(page)` runs axe on the page
as it stands and fails with each violation's rule, impact and first offending elements.

axe-core comes from the npm registry (`npm install` at the project root; package.json pins it).
It is evaluated through Playwright, which is not subject to the page's Content-Security-Policy."""

import json
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    from tests.conftest import require

    require(AXE_JS.exists(), f"axe-core ({AXE_JS}: run `npm install` at the project root)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [json.dumps(node["target"]) for node in v["nodes"][:3]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(targets)}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found on {page.url}:\n{describe(violations)}"
