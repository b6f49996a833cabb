"""The README documents every route and every KITUO_* setting."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_route_is_in_the_readme(app):
    documented = set(re.findall(r"^\|[^|]*\| `([^`]+)` \|", README, flags=re.M))
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    assert routes - documented == set(), "add these to the README route table"


def test_every_setting_is_in_the_readme():
    used = set()
    for path in list((ROOT / "app").rglob("*.py")) + list((ROOT / "deploy").rglob("*.py")):
        used |= set(re.findall(r"KITUO_[A-Z_]+", path.read_text()))
    missing = {name for name in used if f"`{name}`" not in README}
    assert missing == set(), "document these in the README configuration table"
