"""The page checks every test's pages go through (tests/page_checks.py)."""
import pytest

from tests.page_checks import UnselectedField, duplicate_ids, only_selected_fields


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


def test_reading_a_field_its_query_left_out_fails_inside_the_check(conn):
    from flask import render_template_string
    from app.auth.models import User
    from app.members.models import Member
    from tests.factories import make_member, make_user
    user, member = make_user("admin"), make_member()
    with only_selected_fields():
        narrow = User.select(User.id).where(User.id == user.id).get()
        assert narrow.id == user.id
        with pytest.raises(UnselectedField, match="User.display_name"):
            narrow.display_name
        with pytest.raises(UnselectedField):     # a template too (jinja would say nothing)
            render_template_string("{{ row.username }}", row=narrow)
        with pytest.raises(UnselectedField, match="Member.buddy"):
            Member.select(Member.id).where(Member.id == member.id).get().buddy_id
        assert User.get_by_id(user.id).display_name == user.display_name   # whole rows pass
        assert User(username="made").display_name is None                # rows made in Python too
    assert User.select(User.id).where(User.id == user.id).get().display_name is None
