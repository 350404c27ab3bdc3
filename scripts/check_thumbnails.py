"""Fail when a gallery thumbnail is sphinx-gallery's placeholder: an example
that made no figure (or failed) gets a resized copy of ``no_image.png`` (or
``broken_example.png``) under its own name, which a check by file name
misses. Compares pixels with the placeholders resized the same way.

    python scripts/check_thumbnails.py docs/auto_examples/images/thumb
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from sphinx_gallery.gen_rst import scale_image


def _placeholders(size) -> list[np.ndarray]:
    import sphinx_gallery

    static = Path(sphinx_gallery.__file__).parent / "_static"
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("no_image.png", "broken_example.png"):
            target = Path(tmp) / name
            scale_image(str(static / name), str(target), *size)
            out.append(np.asarray(Image.open(target).convert("RGBA")))
    return out


def main(folder: str) -> int:
    thumbs = sorted(Path(folder).glob("sphx_glr_*_thumb.png"))
    if not thumbs:
        print(f"no thumbnails in {folder}", file=sys.stderr)
        return 1
    sizes = {Image.open(t).size for t in thumbs}
    placeholders = [p for size in sizes for p in _placeholders(size)]
    bad = [
        t.name
        for t in thumbs
        if any(
            np.array_equal(np.asarray(Image.open(t).convert("RGBA")), p)
            for p in placeholders
        )
    ]
    for name in bad:
        print(f"{name}: a placeholder (the example made no figure)", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
