"""Scanned letters: images (PNG, JPEG, TIFF, one page per TIFF frame) and PDF pages with no text
layer, read by Tesseract OCR, with the words Tesseract was unsure of.

Tesseract is a program the practice installs (docs/import-formats.md, Scanned letters); without
it a scan is still imported and kept, and a person types its details. Every image is measured
before it is decoded: a 40,000 x 40,000 pixel "scan" costs one clear line, not the machine's memory.
"""

from __future__ import annotations

import io
import os
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, NoReturn

from triage.errors import FileRejected, Problem

if TYPE_CHECKING:
    from PIL.Image import Image

SCAN_DPI = 200  # what a practice's scanner writes for letters; enough for Tesseract's model
MAX_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 M; an A3 page at 600 dpi is 70 M
SMALLEST_PAGE = 600  # pixels on the shorter side: a smaller image is a logo, not a page
DOUBTFUL_BELOW = 80  # Tesseract's confidence in a word, 0-100: below this, a person checks it
ENABLE_OCR = (
    "to read scans, install Tesseract OCR (Debian/Ubuntu: apt install tesseract-ocr; "
    "macOS: brew install tesseract; Windows: the UB Mannheim installer, added to PATH)"
)


@dataclass(frozen=True)
class ScannedPage:
    text: str
    doubtful: frozenset[str]  # the words read with a confidence below DOUBTFUL_BELOW


def ocr_unavailable() -> str | None:
    """Why scans cannot be read here, or None when they can."""
    program = shutil.which("tesseract")
    if program is None:
        return "no OCR engine (Tesseract) is installed"
    return _missing_english(program)


@cache
def _missing_english(program: str) -> str | None:
    """Tesseract without its English model reads nothing: say so once, rather than per page."""
    import pytesseract

    try:
        languages = pytesseract.get_languages()
    except (pytesseract.TesseractError, OSError, RuntimeError) as error:
        return f"Tesseract ({program}) does not run: {error}"
    if "eng" not in languages:
        return "Tesseract has no English language data (the package tesseract-ocr-eng)"
    return None


def looks_like_page(data: bytes) -> bool:
    """An image big enough to be a scanned or photographed page (an e-mail's attachment)."""
    from PIL import Image

    try:
        with _opened("an attachment"):
            width, height = Image.open(io.BytesIO(data)).size
    except FileRejected:
        return True  # let the reader say what is wrong with it
    return min(width, height) >= SMALLEST_PAGE


def image_frames(data: bytes, label: str, max_pages: int) -> list[int]:
    """The pages of a scanned image file (a TIFF's frames), each checked for size undecoded."""
    from PIL import Image

    with _opened(label):
        image = Image.open(io.BytesIO(data))
        frames = getattr(image, "n_frames", 1)
        if frames > max_pages:
            _reject(label, f"is a scan of {frames} pages, over the {max_pages}-page limit")
        for frame in range(frames):
            image.seek(frame)
            _check_size(image.size, label)
        return list(range(frames))


def image_page(data: bytes, frame: int, label: str) -> Image:
    """One page of a scanned image file, decoded."""
    from PIL import Image

    with _opened(label):
        image = Image.open(io.BytesIO(data))
        image.seek(frame)
        _check_size(image.size, label)
        return image.convert("L")


def pdf_page_image(data: bytes, index: int, label: str) -> Image:
    """One page of a PDF drawn as the scanner saw it, at SCAN_DPI (fewer dots for a huge page)."""
    import pypdfium2

    try:
        page = pypdfium2.PdfDocument(data)[index]
        width, height = page.get_size()  # in points, 72 to the inch
        scale = SCAN_DPI / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (width * height)) ** 0.5
        image: Image = page.render(scale=scale, grayscale=True).to_pil()
        return image
    except pypdfium2.PdfiumError as error:
        _reject(label, f"has a page that cannot be drawn for OCR ({error})")


def read_page(image: Image, seconds: float, label: str) -> ScannedPage:
    """Tesseract's reading of one page: its lines in order, a blank line between paragraphs."""
    import pytesseract

    # Tesseract's own threads fight each other on a small machine: one is four times faster.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        data = pytesseract.image_to_data(
            image, lang="eng", config="--psm 4", output_type=pytesseract.Output.DICT,
            timeout=max(seconds, 1.0),
        )  # fmt: skip
    except RuntimeError:  # pytesseract's timeout
        _reject(label, "took too long to read by OCR: not imported")
    except pytesseract.TesseractError as error:
        _reject(label, f"could not be read by OCR (Tesseract said: {error.message.strip()})")
    lines: dict[tuple[int, int, int], list[str]] = {}
    doubtful = set()
    for number, word in enumerate(data["text"]):
        if not word.strip():
            continue
        key = (data["block_num"][number], data["par_num"][number], data["line_num"][number])
        lines.setdefault(key, []).append(word)
        if float(data["conf"][number]) < DOUBTFUL_BELOW:
            doubtful.add(word)
    text: list[str] = []
    previous: tuple[int, int, int] | None = None
    for key, words in lines.items():
        if previous is not None and key[:2] != previous[:2]:
            text.append("")
        text.append(" ".join(words))
        previous = key
    return ScannedPage("\n".join(text), frozenset(doubtful))


@contextmanager
def _opened(label: str) -> Iterator[None]:
    """Pillow's errors for an image that cannot be read, as one clear line."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # we measure every image ourselves, before decoding it
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    except FileRejected:
        raise
    except Image.DecompressionBombError:
        _reject(label, f"is an image over the {_megapixels()} limit for a scanned page")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        _reject(label, f"is not an image that can be read ({type(error).__name__}): is it damaged?")


def _check_size(size: tuple[int, int], label: str) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        _reject(
            label,
            f"is an image of {width:,} x {height:,} pixels, over the {_megapixels()} limit "
            "for a scanned page",
        )


def _megapixels() -> str:
    return f"{MAX_PIXELS // 1_000_000}-megapixel"


def _reject(label: str, message: str) -> NoReturn:
    raise FileRejected(Problem(label, None, None, message))
