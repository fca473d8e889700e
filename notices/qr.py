"""The notice QR code: a module matrix from `qrcode`, drawn as vector rectangles on a page.

Speed, measured for a 220-character verify URL (version 11, level M) on the development
machine: `qrcode`'s automatic mask choice (`best_mask_pattern`: build all eight masks, score
each) takes 16-21 ms a code; with a fixed mask 3.5 ms, and 2.5 ms when the version comes
from the byte length instead of `qrcode`'s bit-by-bit fitting. A fixed mask is a valid QR
code: decoders read the mask from the format bits. Mask 2 had the lowest penalty score on
29 of 40 sample verify URLs and its mean score was within 0.5% of the per-code best, so
notices use it. `qrcode`'s Reed-Solomon step (polynomial objects, about 2 ms a code) is
replaced by a table-driven encoder that hands `qrcode` the same codewords (`_codewords`,
checked equal to `qrcode.util.create_data` in the tests); `qrcode` still places the modules.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import TYPE_CHECKING

import qrcode
from qrcode import base, util
from qrcode.constants import ERROR_CORRECT_M

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

MASK_PATTERN = 2
QUIET_ZONE = 4  # modules of light margin on every side, as the standard requires

Matrix = tuple[tuple[bool, ...], ...]


def _version_for(byte_length: int) -> int:
    """The smallest version that holds byte_length bytes in one 8-bit segment at level M."""
    limits = util.BIT_LIMIT_TABLE[ERROR_CORRECT_M]  # index = version; [0] is a placeholder
    # The length field is 8 bits wide below version 10 and 16 bits from there on.
    for first, last in ((1, 9), (10, 40)):
        bits = 4 + util.length_in_bits(util.MODE_8BIT_BYTE, first) + 8 * byte_length
        version = bisect_left(limits, bits, first, last + 1)
        if version <= last:
            return version
    raise ValueError(f"QR text of {byte_length} bytes does not fit a QR code at level M")


def _gf_mul_table(factor: int) -> tuple[int, ...]:
    """factor × x in GF(256) for every x, with qrcode's own log and exp tables."""
    if factor == 0:
        return (0,) * 256
    log = base.LOG_TABLE[factor]
    return (0, *(base.EXP_TABLE[(log + base.LOG_TABLE[x]) % 255] for x in range(1, 256)))


_GENERATORS: dict[int, tuple[tuple[int, ...], ...]] = {}


def _generator_tables(ec_count: int) -> tuple[tuple[int, ...], ...]:
    """Multiplication tables of the generator polynomial's coefficients (leading 1 dropped)."""
    tables = _GENERATORS.get(ec_count)
    if tables is None:
        poly = [1]
        for i in range(ec_count):  # (x - a^0)(x - a^1)…: multiply by (x + a^i)
            factor = base.gexp(i)
            poly = [
                (poly[j] if j < len(poly) else 0)
                ^ (_gf_mul_table(factor)[poly[j - 1]] if j >= 1 else 0)
                for j in range(len(poly) + 1)
            ]
        tables = _GENERATORS[ec_count] = tuple(_gf_mul_table(c) for c in poly[1:])
    return tables


def _reed_solomon(data: list[int], ec_count: int) -> list[int]:
    """The error-correction codewords of one block: the remainder of data·x^n by g(x)."""
    tables = _generator_tables(ec_count)
    ecc = [0] * ec_count
    for byte in data:
        factor = byte ^ ecc[0]
        ecc = [e ^ t[factor] for e, t in zip([*ecc[1:], 0], tables, strict=True)]
    return ecc


def _codewords(version: int, data: bytes) -> list[int]:
    """What `qrcode.util.create_data` returns for one 8-bit segment at level M, faster."""
    blocks = base.rs_blocks(version, ERROR_CORRECT_M)
    capacity = sum(b.data_count for b in blocks)
    length_bits = util.length_in_bits(util.MODE_8BIT_BYTE, version)
    # Bit stream: mode (4) | length | data | terminator (up to 4) | zero-fill to a byte.
    bits = (util.MODE_8BIT_BYTE << length_bits | len(data)) << 8 * len(data)
    bits |= int.from_bytes(data, "big")
    nbits = 4 + length_bits + 8 * len(data)
    if nbits > capacity * 8:
        raise ValueError(f"QR text of {len(data)} bytes does not fit version {version}")
    pad = min(capacity * 8 - nbits, 4)
    pad += -(nbits + pad) % 8
    stream = list((bits << pad).to_bytes((nbits + pad) // 8, "big"))
    stream += [util.PAD0 if i % 2 == 0 else util.PAD1 for i in range(capacity - len(stream))]
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        chunk = stream[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_reed_solomon(chunk, block.total_count - block.data_count))
    out: list[int] = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out += [b[i] for b in group if i < len(b)]
    return out


def qr_matrix(text: str, mask_pattern: int | None = MASK_PATTERN) -> Matrix:
    """The modules of the QR code for text (True = dark), quiet zone included, row 0 on top.

    Error correction M, one 8-bit segment; mask_pattern None lets `qrcode` search all masks.
    """
    data = text.encode("utf-8")
    code = qrcode.QRCode(
        version=_version_for(len(data)),
        error_correction=ERROR_CORRECT_M,
        border=QUIET_ZONE,
        mask_pattern=mask_pattern,
    )
    code.add_data(util.QRData(data, mode=util.MODE_8BIT_BYTE, check_data=False))
    code.data_cache = _codewords(code.version, data)  # qrcode uses these instead of its own
    code.make(fit=False)
    return tuple(map(tuple, code.get_matrix()))


_DARK_RUN = re.compile(b"\x01+")


def qr_path(matrix: Matrix) -> str:
    """PDF operators that fill the dark modules, in module units with y up from the bottom.

    Each horizontal run of dark modules is one rectangle; all of them are one path filled
    once, so a rasteriser shows no seams where rectangles meet.
    """
    size = len(matrix)
    ops: list[str] = []
    for r, row in enumerate(matrix):
        y = size - 1 - r
        ops += [
            f"{m.start()} {y} {m.end() - m.start()} 1 re\n" for m in _DARK_RUN.finditer(bytes(row))
        ]
    return "".join(ops) + "f"


def draw_qr(canvas: Canvas, matrix: Matrix, x: float, y: float, size: float) -> None:
    """Draw the matrix as vector rectangles with its bottom-left corner at (x, y), size wide.

    The quiet zone is painted white so the code scans on any background.
    """
    module = size / len(matrix)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(f"{module:.5f} 0 0 {module:.5f} {x:.3f} {y:.3f} cm")  # module units
    canvas.addLiteral(qr_path(matrix))
    canvas.restoreState()
