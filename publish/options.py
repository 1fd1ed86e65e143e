"""Names the command line and the library share, kept light to import."""

FORMATS = ("html", "pdf", "epub")
MAX_MANUSCRIPT_BYTES = 10 * 1024 * 1024  # larger manuscripts are refused, and told why
CC_NS = "http://creativecommons.org/ns#"  # ccREL, in the XMP and the OPF
MATHML_NS = "http://www.w3.org/1998/Math/MathML"  # pandoc writes math as MathML
PAPER_SIZES = ("a4", "letter")

# The images a manuscript may show, as Pillow names their formats.
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}

# `publish sign`: the secret key's text (for CI secrets), and its password, from the environment
SIGNING_KEY_VARIABLE = "PUBLISH_MINISIGN_KEY"
SIGNING_PASSWORD_VARIABLE = "PUBLISH_MINISIGN_PASSWORD"

SUMS = "SHA256SUMS"  # every build's checksums, for sha256sum -c; what `publish sign` signs
