"""The browsable API's filter form: labels, blank choices, and what non-staff users see."""

import re

import pytest

from ..factories import ProductFactory
from .test_filters import PRODUCTS, ids, make

pytestmark = pytest.mark.django_db


def filter_form(client, path=PRODUCTS):
    """The HTML of the browsable API's filter form on ``path``."""
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<form class="form" action="" method="get">')
    return html[start : html.index("</form>", start)]


def test_every_filter_of_the_form_has_a_label(admin_client):
    form = filter_form(admin_client)

    assert "[invalid name]" not in form
    labels = (
        "Category",
        "Minimum price",
        "Maximum price",
        "In stock",
        "Active",
        "Search",
        "Option",
    )
    for label in labels:
        assert f">{label}:</label>" in form


def option_boxes(form):
    """The ``option`` text inputs of the form, in order."""
    return re.findall(r'<input type="text" name="option"[^>]*>', form)


def test_the_option_filter_starts_as_one_blank_box(admin_client):
    (box,) = option_boxes(filter_form(admin_client))

    assert "value=" not in box
    assert 'id="id_option"' in box


def test_each_repeated_option_gets_its_own_box_so_submitting_keeps_them(admin_client):
    form = filter_form(admin_client, f"{PRODUCTS}?option=size:M&option=color:red")
    first, second = option_boxes(form)

    assert 'value="size:M"' in first and 'id="id_option"' in first
    assert 'value="color:red"' in second and "id=" not in second


@pytest.mark.parametrize("name", ["in_stock", "is_active"])
def test_boolean_selects_start_blank_so_submitting_adds_no_filter(admin_client, name):
    form = filter_form(admin_client)
    select = form[form.index(f'<select name="{name}"') :]
    options = select[: select.index("</select>")]

    assert '<option value="" selected>---------</option>' in options
    assert 'value="true" selected' not in options


def test_a_submitted_blank_boolean_is_no_filter(admin_client):
    in_stock, sold_out = make(stock=3), make(stock=0)

    listed = ids(admin_client.get(PRODUCTS, {"in_stock": "", "is_active": "", "search": ""}))

    assert sorted(listed) == sorted([in_stock.pk, sold_out.pk])


def test_the_admin_only_filter_is_hidden_from_the_form_of_non_staff(api_client, user_client):
    for client in (api_client, user_client):
        form = filter_form(client)
        assert 'name="is_active"' not in form
        assert 'name="in_stock"' in form


def test_the_admin_only_filter_is_in_the_form_of_staff(admin_client):
    assert '<select name="is_active"' in filter_form(admin_client)


def test_hiding_the_filter_from_the_form_keeps_it_filtering_for_everyone(api_client, admin_client):
    active, inactive = make(), ProductFactory(is_active=False)

    filter_form(api_client)  # the public form first: it must not remove the filter for staff

    assert ids(admin_client.get(PRODUCTS, {"is_active": "false"})) == [inactive.pk]
    assert ids(api_client.get(PRODUCTS, {"is_active": "false"})) == []
    assert ids(api_client.get(PRODUCTS, {"is_active": "true"})) == [active.pk]
