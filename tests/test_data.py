"""The committed data files are the ones whose provenance data/README.md records."""

import hashlib

import pytest

from tests.conftest import DATA

# sha256 as recorded in data/README.md
CHECKSUMS = {
    "prosumer_N3_model_20210129_1416.csv":
        "754dedf4b0f36f5630920ade58eeeca5371a741e87bdf4df002516a577c924a3",
    "prosumer_N100_model_20210129_1414.partial_t0_t3.csv":
        "85c859284a928076270fc6b45cb9ca488e60045badc2790431071f20279a4a72",
    "mlec_invoicing/input_for_invoicing.csv":
        "d8bfc2bec60660e13262c80363c3bdb75de60cdbffe2563b702e890919eb4d8b",
    "mlec_invoicing/invoicing.json":
        "edc765521d7a72ec1384e08ddb49b84930f11b2ac7fccf72608350bc0bb6ca59",
    "rec_instances/rec_n50_s96.json":
        "10fbbe4ac036b4a59ec9ddb915cfa1a7e3d38c8138946964007d5182c86792e5",
}


@pytest.mark.parametrize(("name", "digest"), sorted(CHECKSUMS.items()))
def test_checksum_matches_readme(name, digest):
    assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest
    assert digest in (DATA / "README.md").read_text()
