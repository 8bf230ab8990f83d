"""Product images: uploads checked with Pillow, their limits, the detail and list images."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from django_shopcore.catalog.models import ProductImage

from ..factories import ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_URL = "/media/"
    return tmp_path


def image_file(width=4, height=3, image_format="PNG", name="mug.png", color="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format}")


def upload(client, product, file, **fields):
    return client.post(
        f"{PRODUCTS}{product.pk}/images/", {"image": file, **fields}, format="multipart"
    )


def image_url(product, image_id):
    return f"{PRODUCTS}{product.pk}/images/{image_id}/"


def test_an_admin_uploads_an_image(admin_client, media_root):
    product = ProductFactory()

    response = upload(admin_client, product, image_file(40, 30), alt="A red mug")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "url", "alt", "position", "width", "height"}
    assert (body["alt"], body["position"], body["width"], body["height"]) == (
        "A red mug",
        0,
        40,
        30,
    )
    assert body["url"].startswith("http://testserver/media/shopcore/products/")
    stored = ProductImage.objects.get(pk=body["id"])
    assert (media_root / stored.image.name).is_file()


@pytest.mark.parametrize("image_format", ["JPEG", "GIF", "WEBP"])
def test_other_web_formats_are_accepted(admin_client, image_format):
    file = image_file(image_format=image_format, name=f"mug.{image_format.lower()}")

    assert upload(admin_client, ProductFactory(), file).status_code == 201


def test_positions_default_to_after_the_last_image(admin_client):
    product = ProductFactory()
    upload(admin_client, product, image_file(), position=5)

    assert upload(admin_client, product, image_file()).json()["position"] == 6


def test_after_an_image_at_the_last_position_the_next_one_stays_beside_it(admin_client):
    product = ProductFactory()
    last = upload(admin_client, product, image_file(), position=2**31 - 1).json()

    response = upload(admin_client, product, image_file(name="next.png"))

    assert response.status_code == 201
    assert response.json()["position"] == last["position"] == 2**31 - 1


def test_uploads_are_for_admins_only(api_client, user_client):
    product = ProductFactory()

    assert upload(api_client, product, image_file()).status_code == 401
    assert upload(user_client, product, image_file()).status_code == 403
    assert not ProductImage.objects.exists()


def test_an_upload_to_an_unknown_product_is_a_404(admin_client):
    response = admin_client.post(
        f"{PRODUCTS}987654321/images/", {"image": image_file()}, format="multipart"
    )

    assert response.status_code == 404


def bad_files():
    png = image_file(200, 200, color="blue").read()
    return {
        "text": SimpleUploadedFile("notes.png", b"not an image at all", content_type="image/png"),
        "truncated": SimpleUploadedFile("cut.png", png[: len(png) // 2], content_type="image/png"),
        "bmp": image_file(image_format="BMP", name="old.bmp"),
        "empty": SimpleUploadedFile("empty.png", b"", content_type="image/png"),
    }


@pytest.mark.parametrize("kind", ["text", "truncated", "bmp", "empty"])
def test_a_file_that_is_not_a_valid_web_image_is_a_400_naming_image(admin_client, kind):
    response = upload(admin_client, ProductFactory(), bad_files()[kind])

    assert response.status_code == 400
    assert list(response.json()) == ["image"]
    assert not ProductImage.objects.exists()


def test_a_truncated_jpeg_is_a_400(admin_client):
    buffer = io.BytesIO()
    Image.effect_noise((300, 300), 64).convert("RGB").save(buffer, format="JPEG")
    data = buffer.getvalue()
    file = SimpleUploadedFile("cut.jpg", data[: len(data) * 2 // 3], content_type="image/jpeg")

    response = upload(admin_client, ProductFactory(), file)

    assert response.status_code == 400
    assert list(response.json()) == ["image"]


def test_a_missing_file_is_a_400_naming_image(admin_client):
    response = admin_client.post(
        f"{PRODUCTS}{ProductFactory().pk}/images/", {"alt": "nothing"}, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["image"]


def test_more_pixels_than_the_limit_is_a_400(admin_client, settings):
    settings.SHOPCORE = {"IMAGE_MAX_PIXELS": 100}

    response = upload(admin_client, ProductFactory(), image_file(11, 10))

    assert response.status_code == 400
    assert "pixels" in response.json()["image"][0]


def png_declaring(width, height):
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (a decompression bomb)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
    return SimpleUploadedFile("bomb.png", png + chunk(b"IEND", b""), content_type="image/png")


# Above the default IMAGE_MAX_PIXELS; the second is beyond twice Pillow's own limit too.
@pytest.mark.parametrize("side", [12_000, 20_000])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(admin_client, monkeypatch, side):
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self))
    file = png_declaring(side, side)
    assert file.size < 200

    response = upload(admin_client, ProductFactory(), file)

    assert response.status_code == 400
    assert "pixels" in response.json()["image"][0]
    assert decoded == []


def test_more_bytes_than_the_limit_is_a_413_naming_image(admin_client, settings):
    settings.SHOPCORE = {"IMAGE_MAX_BYTES": 50}

    response = upload(admin_client, ProductFactory(), image_file(30, 30))

    assert response.status_code == 413
    assert list(response.json()) == ["image"]


def test_patch_changes_alt_and_position_not_the_file(admin_client):
    product = ProductFactory()
    created = upload(admin_client, product, image_file()).json()

    response = admin_client.patch(
        image_url(product, created["id"]), {"alt": "Side view", "position": 3}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["alt"], response.json()["position"]) == ("Side view", 3)
    assert response.json()["url"] == created["url"]


def test_delete_removes_the_row_and_the_file(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    created = upload(admin_client, product, image_file()).json()
    name = ProductImage.objects.get().image.name

    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.delete(image_url(product, created["id"])).status_code == 204

    assert not ProductImage.objects.exists()
    assert not (media_root / name).exists()


def test_an_image_of_another_product_is_a_404(admin_client):
    product = ProductFactory()
    created = upload(admin_client, product, image_file()).json()

    response = admin_client.patch(image_url(ProductFactory(), created["id"]), {"alt": "x"})

    assert response.status_code == 404


def test_put_is_not_offered(admin_client):
    product = ProductFactory()
    created = upload(admin_client, product, image_file()).json()

    assert admin_client.put(image_url(product, created["id"]), {}).status_code == 405


def test_detail_lists_images_by_position_and_the_list_shows_the_first(admin_client, api_client):
    product = ProductFactory()
    back = upload(admin_client, product, image_file(), alt="back", position=2).json()
    front = upload(admin_client, product, image_file(), alt="front", position=1).json()
    ProductFactory()  # without images

    detail = api_client.get(f"{PRODUCTS}{product.pk}/").json()
    listed = {item["id"]: item["image"] for item in api_client.get(PRODUCTS).json()["results"]}

    assert [image["alt"] for image in detail["images"]] == ["front", "back"]
    assert detail["images"][0] == front and detail["images"][1] == back
    assert detail["image"] == front["url"]
    assert listed[product.pk] == front["url"]
    assert list(listed.values()).count(None) == 1


def test_images_add_no_query_to_the_list(admin_client, api_client, django_assert_num_queries):
    for _ in range(3):
        product = ProductFactory()
        for _ in range(3):
            upload(admin_client, product, image_file())

    with django_assert_num_queries(1):  # the page holds every row: no count query
        results = api_client.get(PRODUCTS).json()["results"]
    assert all(item["image"] for item in results)


def test_an_upload_invalidates_cached_product_responses(admin_client, api_client, settings):
    settings.SHOPCORE = {"CACHE_RESPONSES": True}
    product = ProductFactory()
    assert api_client.get(f"{PRODUCTS}{product.pk}/").json()["images"] == []

    upload(admin_client, product, image_file())

    assert len(api_client.get(f"{PRODUCTS}{product.pk}/").json()["images"]) == 1
