"""Reading letters back as a member's software would, with PyPI packages only (no poppler):
pypdf for the text and the structure, pypdfium2 for page images."""

import io
from pathlib import Path

import pypdf
import pypdfium2


def _data(source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    field = getattr(source, "pdf", source)  # a Notice, or its FileField
    with field.open("rb") as handle:
        return handle.read()


def reader(source) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(_data(source)))


def pdf_text(source) -> str:
    """All pages' text in reading order, whitespace collapsed (lines wrap as the page does).
    Layout mode: WeasyPrint draws with a flipped y axis, which pypdf's plain mode misreads."""
    pages = reader(source).pages
    text = " ".join(page.extract_text(extraction_mode="layout") or "" for page in pages)
    return " ".join(text.split())


def text_positions(source, *, page: int = 0) -> list[tuple[str, float, float]]:
    """(text, inches from the left edge, inches from the top edge) of each run drawn on a page:
    where a window envelope would show it."""
    pdf_page = reader(source).pages[page]
    height = float(pdf_page.mediabox.height)
    runs = []

    def visit(text, cm, tm, _font, _size):
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append((text.strip(), x / 72, (height - y) / 72))

    pdf_page.extract_text(visitor_text=visit)
    return runs


def page_count(source) -> int:
    return len(reader(source).pages)


def save_page_png(source, path: Path, *, page: int = 0, dpi: int = 100) -> Path:
    """One page as a PNG, as it prints (pypdfium2)."""
    document = pypdfium2.PdfDocument(_data(source))
    try:
        image = document[page].render(scale=dpi / 72).to_pil()
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
    finally:
        document.close()
    return path
