"""De-identification: refuse a submission that carries a direct identifier of a patient.

HIPAA Safe Harbor lists the identifiers (names, addresses, dates other than the year, phone and fax numbers,
e-mail addresses, record and account numbers, ...). A JSON/YAML document is scanned here by key, because a
key the schema does not know would otherwise be dropped silently; literal values of every format (an e-mail
address or a full date inside a quote, an exact age over 89) are checked by the intake shapes, so that RDF
submissions get the same protection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: Normalised key names (lower case, no separators) that name a direct identifier, and what they are.
IDENTIFIER_KEYS: dict[str, str] = {
    **dict.fromkeys(["name", "fullname", "patientname", "firstname", "lastname", "surname", "givenname",
                     "familyname", "middlename", "initials", "nickname", "maidenname"], "a name"),
    **dict.fromkeys(["address", "streetaddress", "street", "city", "town", "county", "zip", "zipcode", "postcode",
                     "postalcode", "geolocation", "gps"], "an address or place smaller than a state"),
    **dict.fromkeys(["dob", "dateofbirth", "birthdate", "birthday", "dateofdeath", "admissiondate",
                     "dischargedate", "dateofadmission", "dateofdischarge"], "an exact date"),
    **dict.fromkeys(["phone", "phonenumber", "telephone", "mobile", "cell", "fax", "faxnumber"],
                    "a phone or fax number"),
    **dict.fromkeys(["email", "emailaddress", "mail"], "an e-mail address"),
    **dict.fromkeys(["mrn", "medicalrecordnumber", "recordnumber", "hospitalnumber", "nhsnumber",
                     "healthplannumber", "insurancenumber", "accountnumber", "ssn", "socialsecuritynumber",
                     "licensenumber", "passportnumber", "patientidentifier", "alternateids"], "a record, account or ID number"),
    **dict.fromkeys(["ipaddress", "url", "website", "photo", "photograph", "biometric", "fingerprint"],
                    "a web, device or biometric identifier"),
}


@dataclass(frozen=True)
class IdentifierProblem:
    """A direct identifier found at ``location`` (a key path)."""

    location: str
    kind: str
    value: str

    @property
    def message(self) -> str:
        return (f"'{self.location}' carries {self.kind}, a direct identifier of a patient (HIPAA Safe Harbor); "
                "remove it: casegraph stores de-identified cases only (age in whole years, times relative to "
                "presentation or treatment).")


def _normal(key: str) -> str:
    return re.sub(r"[^a-z]", "", key.lower())


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def scan_document(data: Any, skip: tuple[str, ...] = ("source", "metaData"),
                  date_values: bool = False) -> list[IdentifierProblem]:
    """Keys anywhere in a JSON/YAML document that name a direct identifier (the source's own are skipped).

    With ``date_values``, string values that are ISO dates or timestamps count too: a format whose dates are
    not mapped to RDF (a phenopacket's) would otherwise slip past the shapes that read literals.
    """
    from casegraph.casedoc import key_path

    problems: list[IdentifierProblem] = []
    stack: list[tuple[Any, list[Any]]] = [(data, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if not path and key in skip:
                    continue
                kind = IDENTIFIER_KEYS.get(_normal(str(key)))
                if kind is not None:
                    problems.append(IdentifierProblem(key_path([*path, key]), kind, _preview(value)))
                elif date_values and isinstance(value, str) and _ISO_DATE.match(value):
                    problems.append(IdentifierProblem(key_path([*path, key]), "an exact date", _preview(value)))
                else:
                    stack.append((value, [*path, key]))
        elif isinstance(node, list):
            stack.extend((v, [*path, i]) for i, v in enumerate(node))
    return sorted(problems, key=lambda p: p.location)


def _preview(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 3 else text[:2] + "…"  # never echo the identifier back in full
