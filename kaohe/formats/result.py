"""What a reader returns: draft schemes plus findings about the input itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from kaohe.core.check import Finding
from kaohe.core.scheme import Scheme


@dataclass
class ReadResult:
    """Schemes read from one file (one per table) and what the reader noticed on the way.

    Reader findings say where in the file (line, or sheet/row/column); run `kaohe.core.check.check`
    on each scheme for the consistency findings.
    """

    schemes: list[Scheme]
    findings: list[Finding] = field(default_factory=list)
