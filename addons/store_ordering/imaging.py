# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Product images of the store portal: what kind of image a file is, from
its first bytes (no imaging library needed), and whether it may be stored.
Pure functions, no ORM."""

MAX_IMAGE_SIZE = 2 * 1024 * 1024  # bytes: a phone catalogue needs no more

# (signature at offset 0, extra check, mimetype)
_SIGNATURES = [
    (b'\x89PNG\r\n\x1a\n', None, 'image/png'),
    (b'\xff\xd8\xff', None, 'image/jpeg'),
    (b'GIF87a', None, 'image/gif'),
    (b'GIF89a', None, 'image/gif'),
    (b'RIFF', lambda data: data[8:12] == b'WEBP', 'image/webp'),
    ]


def image_type(data):
    "The mimetype of an image file's bytes, None when it is no known image"
    if not data:
        return None
    data = bytes(data[:16])
    for signature, check, mimetype in _SIGNATURES:
        if data.startswith(signature) and (check is None or check(data)):
            return mimetype
    return None


def image_problem(data, max_size=MAX_IMAGE_SIZE):
    """Why the bytes cannot be a portal image: 'type' or 'size', or None
    when they can (no image at all is fine)"""
    if data is None or len(data) == 0:
        return None
    if image_type(data) is None:
        return 'type'
    if len(data) > max_size:
        return 'size'
    return None


def image_version(timestamp, size):
    """A short version of an image for its URL, so that browsers keep it
    until it changes: the record's last change and the image's size"""
    seconds = int(timestamp.timestamp()) if timestamp else 0
    return f'{seconds:x}{size:x}'
