"""Placeholder product pictures for demo catalogs: a few files, drawn with Pillow, shared by rows.

The files go through the image field's storage (Django's storage API), so a
demo on S3 gets them there too. Their content depends only on their number,
so a file already stored under its name is reused, not written again.
"""

import io
from typing import cast

from django.core.files.base import ContentFile
from django.core.files.images import get_image_dimensions
from django.db import models
from PIL import Image, ImageDraw

from django_shopcore.catalog.models import ProductImage

from .products import Placeholder

PLACEHOLDER_COUNT = 12
PLACEHOLDER_DIRECTORY = "shopcore/demo"
# (width, height): square, portrait and landscape pictures.
PLACEHOLDER_SIZES = [(800, 800), (800, 1000), (1200, 800)]
# Muted backgrounds, with a darker shade of each for the drawing.
BACKGROUNDS = [
    (214, 204, 194),
    (176, 196, 222),
    (200, 222, 190),
    (236, 212, 168),
    (222, 184, 196),
    (190, 190, 206),
]


def image_storage():
    return cast(models.ImageField, ProductImage._meta.get_field("image")).storage


def placeholder_name(number):
    return f"{PLACEHOLDER_DIRECTORY}/placeholder-{number:02d}.png"


def draw_placeholder(number):
    """PNG bytes of placeholder ``number``: a tinted frame, a simple product silhouette."""
    width, height = PLACEHOLDER_SIZES[number % len(PLACEHOLDER_SIZES)]
    background = BACKGROUNDS[number % len(BACKGROUNDS)]
    shade = tuple(channel * 2 // 3 for channel in background)
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    margin = min(width, height) // 5
    box = (margin, margin, width - margin, height - margin)
    if number % 3 == 0:
        draw.ellipse(box, outline=shade, width=12)
    elif number % 3 == 1:
        draw.rectangle(box, outline=shade, width=12)
    else:
        draw.polygon(
            [(width // 2, margin), (width - margin, height - margin), (margin, height - margin)],
            outline=shade,
            width=12,
        )
    draw.text((margin // 2, margin // 2), f"placeholder {number}", fill=shade)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def ensure_placeholders(count=PLACEHOLDER_COUNT):
    """Store the placeholder files that are missing (or unreadable); return them all."""
    storage = image_storage()
    placeholders = []
    for number in range(1, count + 1):
        name = placeholder_name(number)
        width, height = stored_size(storage, name) if storage.exists(name) else (None, None)
        if width is None or height is None:
            if storage.exists(name):
                storage.delete(name)
            # The storage may pick another name (e.g. a unique suffix): keep the one it gives.
            name = storage.save(name, ContentFile(draw_placeholder(number)))
            width, height = PLACEHOLDER_SIZES[number % len(PLACEHOLDER_SIZES)]
        placeholders.append(Placeholder(name, width, height))
    return placeholders


def stored_size(storage, name):
    """(width, height) of a stored image, (None, None) when it is not one."""
    with storage.open(name) as file:
        return get_image_dimensions(file)
