"""README and installation.md say how to install django-shopcore before its first release.

`pip install django-shopcore` finds nothing until the package is on PyPI: both
documents give the three ways that work today (a checkout, a wheel built from
it, the repository URL), name the wheel that `python -m build` writes for this
version, and say what changes at the first release. tox's packaging env
(.ci/check_package.py) builds that wheel and runs the example project on it.
"""

from pathlib import Path

import pytest

from django_shopcore import __version__

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = "https://github.com/django-shopcore/django-shopcore.git"


@pytest.fixture(params=["README.md", "docs/installation.md"])
def document(request):
    return (ROOT / request.param).read_text()


def test_it_says_the_package_is_not_on_pypi_yet(document):
    assert "not on PyPI yet" in document or "not published on PyPI yet" in document


def test_it_shows_an_install_from_a_checkout(document):
    assert f"git clone {REPOSITORY}" in document
    assert 'pip install -e "./django-shopcore[postgres]"' in document


def test_it_shows_an_install_from_the_wheel_of_this_version(document):
    assert "python -m build ./django-shopcore" in document
    wheel = f"django_shopcore-{__version__}-py3-none-any.whl"
    assert f'pip install "./django-shopcore/dist/{wheel}[postgres]"' in document


def test_it_shows_an_install_from_the_repository_url(document):
    assert f'pip install "django-shopcore[postgres] @ git+{REPOSITORY}"' in document


def test_it_says_what_changes_at_the_first_release(document):
    assert 'pip install "django-shopcore[postgres]"' in document
    assert "first release" in document
