"""Product image uploads: checked with Pillow before anything is stored, and their URLs."""

import re
import warnings
from functools import lru_cache
from typing import cast
from urllib.parse import urljoin

from django.conf import DEFAULT_STORAGE_ALIAS
from django.core.files.storage import DefaultStorage, FileSystemStorage, storages
from django.db import models
from django.db.models import CharField, Expression
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError
from rest_framework import exceptions, serializers, status

from ..core.settings import shopcore_settings
from .models import ProductImage
from .search import quoted_initial_alias

# What browsers show; anything else Pillow reads (TIFF, PSD, ...) is refused.
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


class ImageTooLarge(exceptions.APIException):
    """An upload over ``IMAGE_MAX_BYTES`` (413), refused before it is decoded."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "image_too_large"

    def __init__(self, max_bytes):
        message = _("The image is larger than %(max)d bytes.") % {"max": max_bytes}
        super().__init__({"image": [message]})


def check_upload(upload):
    """Refuse a file that is too large, not an accepted image, truncated, or too many pixels.

    The byte size is known without reading the file; the pixel count comes
    from the header, before any pixel is decoded; only then is the whole
    image decoded, which finds truncated or corrupt data.
    """
    max_bytes = shopcore_settings.IMAGE_MAX_BYTES
    if upload.size > max_bytes:
        raise ImageTooLarge(max_bytes)
    invalid = serializers.ValidationError(
        _("Upload a valid JPEG, PNG, GIF or WebP image; this file is not one, or is damaged.")
    )
    max_pixels = shopcore_settings.IMAGE_MAX_PIXELS
    too_many_pixels = serializers.ValidationError(
        _("The image has more than %(max)d pixels.") % {"max": max_pixels}
    )
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb limit only warns below twice its value: ours decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise invalid
                if image.width * image.height > max_pixels:
                    raise too_many_pixels
                image.load()
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise invalid from None
    finally:
        upload.seek(0)


class FirstImageName(Expression):
    """The stored name of the product's first image (by position, then id), or NULL.

    The correlated subquery that ``Subquery()`` of the images would give, as
    fixed SQL: compiling a nested query per list request costs more than
    reading it. Named through the compiled query's own alias, so it also
    holds inside a relabelled (sub)query.
    """

    output_field = CharField()

    def as_sql(self, compiler, connection):
        quote = connection.ops.quote_name
        meta = ProductImage._meta
        image, product, position, pk = (
            quote(cast(models.Field, meta.get_field(name)).column)
            for name in ("image", "product", "position", "id")
        )
        outer = f"{quoted_initial_alias(compiler)}.{quote(compiler.query.model._meta.pk.column)}"
        # Only quoted names are interpolated; there are no values.
        sql = (
            f"(SELECT first_image.{image} FROM {quote(meta.db_table)} first_image "  # noqa: S608
            f"WHERE first_image.{product} = {outer} "
            f"ORDER BY first_image.{position} ASC, first_image.{pk} ASC LIMIT 1)"
        )
        return sql, ()


def image_url(name, request=None):
    """The URL of a stored image file, absolute when the request is known (as DRF gives)."""
    return ImageUrls(request)(name)


# A URL that iri_to_uri() leaves as it is (the characters quote() never escapes, and
# its ``safe`` ones), a path from the root without ``.`` or ``..`` segments: exactly
# the URLs that HttpRequest.build_absolute_uri() prefixes with the scheme and host only.
ROOTED_URI = re.compile(r"/(?!/)[A-Za-z0-9_.~/#%\[\]=:;$&()+,!?*@'-]*")


# A stored name that FileSystemStorage.url() appends to its base URL as it is: the
# characters filepath_to_uri() never escapes, relative, without empty, "." or ".." segments.
PLAIN_SEGMENT = r"(?!\.\.?(?:/|$))[A-Za-z0-9_.~!*()'-]+"
PLAIN_NAME = re.compile(f"{PLAIN_SEGMENT}(?:/{PLAIN_SEGMENT})*")


@lru_cache(maxsize=16)
def joins_by_appending(base_url):
    """Whether urljoin() joins a plain name to ``base_url`` by appending it (it may also
    normalise the base URL's own path, e.g. ``/a/../media/``, or drop its query)."""
    return base_url.endswith("/") and all(
        urljoin(base_url, name) == base_url + name for name in ("a", "a/b.png")
    )


def appends_plain_names(storage):
    """The base URL that ``storage.url()`` joins plain names to, or None when that is not
    known: Django's own FileSystemStorage only, not a subclass or another storage (S3 ones
    may sign every URL), as FileSystemStorage documents it."""
    if isinstance(storage, DefaultStorage):
        # The lazy proxy of the default storage, which is this one.
        storage = storages[DEFAULT_STORAGE_ALIAS]
    if type(storage) is not FileSystemStorage:
        return None
    base_url = storage.base_url
    if base_url is None:  # Not served: url() raises.
        return None
    return base_url if joins_by_appending(base_url) else None


class ImageUrls:
    """image_url() for the images of one request, reading its scheme and host once.

    Each URL is the storage's ``url()``, which may differ per name or per call
    (signed URLs of S3 storages); only FileSystemStorage's is computed here, as
    its base URL and the name, when the name needs neither quoting nor resolving.
    """

    def __init__(self, request=None):
        self.request = request
        field = cast(models.ImageField, ProductImage._meta.get_field("image"))
        self.storage = field.storage
        self.base_url = appends_plain_names(self.storage)
        # What build_absolute_uri() puts before a rooted path: "/" made absolute, minus "/".
        self.origin = request.build_absolute_uri("/")[:-1] if request is not None else None

    def __call__(self, name):
        if not name:
            return None
        if self.base_url is not None and PLAIN_NAME.fullmatch(name):
            url = self.base_url + name
        else:
            url = self.storage.url(name)
        if self.request is None:
            return url
        if self.origin is not None and "/." not in url and ROOTED_URI.fullmatch(url):
            return self.origin + url
        return self.request.build_absolute_uri(url)
