"""Interoperability: question banks in and out of Moodle GIFT, Moodle XML and the original AI4D's seed JSON.

Pure functions, text (or JSON data) in and items out, items in and text out; no file or network I/O. Imported
items are `provisional` unless the caller says otherwise, with provenance `import:<format>`, and a file with any
problem is refused whole (an `InteropError` listing each problem where it is). Moodle files are read as Moodle
reads them: `read_gift` and `read_moodle_xml` also return the questions left out (`skip_unsupported=True`) and
notes on what the items do not carry. Each module's docstring says what its format cannot carry; docs/interop.md
gathers it.
"""

from ai4d_core.interop._common import (
    PLACEHOLDER_EXPLANATION,
    PLACEHOLDER_MODEL_ANSWER,
    GiftError,
    InteropError,
    MoodleXmlError,
    SeedError,
)
from ai4d_core.interop._importing import BankImport, MatchGrades
from ai4d_core.interop.gift import parse_gift, read_gift, to_gift
from ai4d_core.interop.moodle_xml import parse_moodle_xml, read_moodle_xml, to_moodle_xml
from ai4d_core.interop.seed_json import parse_seed_questions, to_seed_questionnaire

__all__ = [
    "PLACEHOLDER_EXPLANATION",
    "PLACEHOLDER_MODEL_ANSWER",
    "BankImport",
    "GiftError",
    "InteropError",
    "MatchGrades",
    "MoodleXmlError",
    "SeedError",
    "parse_gift",
    "parse_moodle_xml",
    "parse_seed_questions",
    "read_gift",
    "read_moodle_xml",
    "to_gift",
    "to_moodle_xml",
    "to_seed_questionnaire",
]
