"""The page checks every test's pages go through (tests/page_checks.py)."""
import pytest

from tests.page_checks import duplicate_ids


def test_duplicate_ids_are_found_in_tags_not_in_text_or_other_attributes():
    html = ('<section id="status"><select id="status"></select></section>'
            '<p data-id="x">id="y" id="y"</p><a href="#z" id=\'z\'></a><b id="z"></b>')
    assert duplicate_ids(html) == ["status", "z"]
    assert duplicate_ids('<p id="a"></p><p id="b"></p>') == []


def test_a_page_with_a_duplicate_id_fails_the_test_that_renders_it(app):
    @app.route("/__dup")
    def dup():
        return '<label for="a">A</label><input id="a"><input id="a">'
    from app.access import public
    public(dup)
    with pytest.raises(AssertionError, match="duplicate element ids"):
        app.test_client().get("/__dup")


def test_two_forms_on_a_page_do_not_repeat_the_token_id(tmp_path):
    from app.forms import KituoForm
    from tests.conftest import make_test_app
    app = make_test_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.test_request_context():
        html = str(KituoForm().csrf_token) + str(KituoForm().csrf_token)
    assert 'name="csrf_token"' in html and duplicate_ids(html) == []
