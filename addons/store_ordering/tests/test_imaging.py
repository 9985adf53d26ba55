# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Which files may be store images, from their first bytes."""
import datetime
import unittest

from trytond.modules.store_ordering.imaging import (
    image_problem, image_type, image_version)

PNG = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR'
JPEG = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00'
WEBP = b'RIFF\x24\x00\x00\x00WEBPVP8 '


class ImageTypeTestCase(unittest.TestCase):

    def test_known_types(self):
        for data, expected in [
                (PNG, 'image/png'), (JPEG, 'image/jpeg'),
                (b'GIF89a\x01\x00', 'image/gif'),
                (b'GIF87a\x01\x00', 'image/gif'), (WEBP, 'image/webp'),
                (memoryview(PNG), 'image/png')]:
            with self.subTest(expected=expected):
                self.assertEqual(image_type(data), expected)

    def test_not_images(self):
        "A WAV is RIFF too; HTML, SVG (scripts) and nothing are refused"
        for data in [None, b'', b'RIFF\x24\x00\x00\x00WAVEfmt ',
                b'<html><script>', b'<svg xmlns="http://www.w3.org/2000/svg">',
                b'\x89PNG']:
            with self.subTest(data=data):
                self.assertIsNone(image_type(data))

    def test_problem(self):
        self.assertIsNone(image_problem(None))
        self.assertIsNone(image_problem(b''))
        self.assertIsNone(image_problem(PNG + b'\x00' * 100, max_size=200))
        self.assertEqual(
            image_problem(PNG + b'\x00' * 200, max_size=200), 'size')
        self.assertEqual(image_problem(b'%PDF-1.7'), 'type')

    def test_version_changes_with_image(self):
        at = datetime.datetime(2026, 1, 1, 8, 0)
        later = at + datetime.timedelta(seconds=1)
        self.assertEqual(image_version(at, 100), image_version(at, 100))
        self.assertNotEqual(image_version(at, 100), image_version(later, 100))
        self.assertNotEqual(image_version(at, 100), image_version(at, 101))
        self.assertEqual(image_version(None, 16), '010')
