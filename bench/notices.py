"""Benchmark signed notices: render + QR + sign + embed, against a bare page; verification rate.

Run from the repo root:  python bench/notices.py [--rounds 6] [--per-round 40]

One process, one thread (that is "per core"). In the same run, alternating in rounds:

- **signed notice:** `seal_notice` — the bilingual page with its vector QR code, both
  Ed25519 signatures and the embedded signature section, as `issue_notice` makes it;
- **bare page:** `render_bare_page` — the same text with the same fonts, no QR, no seal.

Then verification from a QR string (`verify_qr`, what a phone scan gives), and from the PDF
(`verify_pdf`) for reference, and the `qrcode` mask search measured both ways.
Targets: ≥ 150 signed notices/s, ≥ 0.3 of the bare page, ≥ 2,000 QR verifications/s.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import reportlab  # noqa: E402
from helpers import notice_content  # noqa: E402

from notices import fonts, render  # noqa: E402
from notices.keys import KeyStore  # noqa: E402
from notices.qr import qr_matrix  # noqa: E402
from notices.sealing import seal_notice  # noqa: E402
from notices.verify import Keyring, verify_pdf, verify_qr  # noqa: E402

TARGET_RATE = 150.0
TARGET_RATIO = 0.3
TARGET_VERIFY = 2000.0

# One sample notice per language of the known cities, with a description in that script.
SAMPLES = {
    "kn": "ಬಸ್ ನಿಲ್ದಾಣದ ಬಳಿ ಆಳವಾದ ಗುಂಡಿ; ರಾತ್ರಿ ದ್ವಿಚಕ್ರ ವಾಹನಗಳು ಜಾರುತ್ತವೆ.",
    "hi": "बस स्टॉप के पास गहरा गड्ढा; रात में दोपहिया वाहन फिसलते हैं।",
    "mr": "बस थांब्याजवळ खोल खड्डा; रात्री दुचाकी घसरतात.",
    "ta": "பேருந்து நிறுத்தம் அருகே ஆழமான குழி; இரவில் இருசக்கர வாகனங்கள் சறுக்குகின்றன.",
    "te": "బస్ స్టాప్ దగ్గర లోతైన గుంత; రాత్రి ద్విచక్ర వాహనాలు జారుతున్నాయి.",
    "bn": "বাস স্টপের কাছে গভীর গর্ত; রাতে দু-চাকার গাড়ি পিছলে যায়।",
    "gu": "બસ સ્ટોપ પાસે ઊંડો ખાડો; રાત્રે ટુ-વ્હીલર લપસી જાય છે.",
}


def rate(fn: Callable[[], object], n: int) -> float:
    """Calls per second of fn over n calls, GC paused."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return n / (time.perf_counter() - t0)
    finally:
        gc.enable()


def cycler(items: list) -> Callable[[], object]:  # type: ignore[type-arg]
    state = {"i": 0}

    def next_item() -> object:
        state["i"] = (state["i"] + 1) % len(items)
        return items[state["i"]]

    return next_item


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--per-round", type=int, default=40)
    parser.add_argument("--verifications", type=int, default=5000)
    args = parser.parse_args()

    store = KeyStore(Path(tempfile.mkdtemp(prefix="bench-keys-")))
    kid = store.ensure()
    key = store.private_key(kid)
    keyring = Keyring(store.public_keys().values())
    contents = [
        notice_content(kid, language=lang, description=f"Deep pothole near the bus stop. {text}")
        for lang, text in SAMPLES.items()
    ]
    fonts.register()
    next_content = cycler(contents)

    def signed() -> object:
        return seal_notice(next_content(), key, "https://civicops.example")  # type: ignore[arg-type]

    def bare() -> object:
        return render.render_bare_page(next_content())  # type: ignore[arg-type]

    for fn in (signed, bare):  # warm-up: font parsing, shaping caches, imports
        rate(fn, len(contents) * 2)

    signed_rates, bare_rates = [], []
    for r in range(args.rounds):
        order = [(signed, signed_rates), (bare, bare_rates)]
        for fn, out in order if r % 2 == 0 else reversed(order):
            out.append(rate(fn, args.per_round))
    signed_rate = statistics.median(signed_rates)
    bare_rate = statistics.median(bare_rates)
    ratio = statistics.median(s / b for s, b in zip(signed_rates, bare_rates, strict=True))

    sealed = [seal_notice(c, key, "https://civicops.example") for c in contents]
    next_qr = cycler([s.qr_text for s in sealed])
    next_pdf = cycler([s.pdf for s in sealed])
    qr_rate = rate(lambda: verify_qr(next_qr(), keyring), args.verifications)  # type: ignore[arg-type]
    pdf_rate = rate(lambda: verify_pdf(next_pdf(), keyring), 500)  # type: ignore[arg-type]
    assert all(
        verify_qr(s.qr_text, keyring).valid and verify_pdf(s.pdf, keyring).valid for s in sealed
    )

    text = sealed[0].qr_text
    best_mask = rate(lambda: qr_matrix(text, mask_pattern=None), 200)
    fixed_mask = rate(lambda: qr_matrix(text), 200)
    size = statistics.mean(len(s.pdf) for s in sealed)

    print(
        f"python {platform.python_version()} · reportlab {reportlab.Version} · {platform.machine()}"
    )
    print(
        f"{len(contents)} languages round-robin, {args.rounds} rounds × {args.per_round} each side"
    )
    print(f"signed notice:   {signed_rate:8.1f} /s   (rounds: {_list(signed_rates)})")
    print(f"bare page:       {bare_rate:8.1f} /s   (rounds: {_list(bare_rates)})")
    print(f"ratio signed/bare (median of rounds): {ratio:.3f}")
    print(f"mean signed PDF size: {size / 1024:.0f} KiB; QR text {len(text)} chars")
    print(f"verify from QR:  {qr_rate:8.0f} /s")
    print(f"verify from PDF: {pdf_rate:8.0f} /s")
    print(
        f"qrcode matrix, best-mask search: {best_mask:7.0f} /s; fixed mask: {fixed_mask:7.0f} /s "
        f"({fixed_mask / best_mask:.1f}x)"
    )
    checks = [
        ("signed notices/s", signed_rate >= TARGET_RATE, f"{signed_rate:.0f} >= {TARGET_RATE:.0f}"),
        ("ratio to bare page", ratio >= TARGET_RATIO, f"{ratio:.2f} >= {TARGET_RATIO}"),
        ("QR verifications/s", qr_rate >= TARGET_VERIFY, f"{qr_rate:.0f} >= {TARGET_VERIFY:.0f}"),
    ]
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
