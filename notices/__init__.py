"""Official notices: PDF rendering, QR codes, signing and verification (arrives with issue 3)."""
