from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from builder.check.index import INVERSES
from builder.source import models


def all_models() -> list[type[BaseModel]]:
    return [
        m
        for m in vars(models).values()
        if isinstance(m, type) and issubclass(m, BaseModel) and m is not BaseModel
    ]


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.__name__)
def test_every_field_is_described_and_extra_keys_are_forbidden(model: type[BaseModel]) -> None:
    assert model.model_config.get("extra") == "forbid"
    for name, field in model.model_fields.items():
        assert field.description, f"{model.__name__}.{name} has no description"


def citation() -> dict[str, object]:
    return {"source": "seed-000", "locator": "¶1", "quote": "x", "credibility": 2}


def test_size_estimate_bounds() -> None:
    with pytest.raises(ValidationError, match=r"low \(6000\) is greater than high \(2500\)"):
        models.SizeEstimate.model_validate(
            {"value": "v", "low": 6000, "high": 2500, "citations": [citation()]}
        )


def test_claim_defaults_to_reported_and_requires_a_citation() -> None:
    claim = models.Claim.model_validate({"value": "v", "citations": [citation()]})
    assert claim.status is models.Status.reported
    with pytest.raises(ValidationError, match=r"at least 1 item"):
        models.Claim.model_validate({"value": "v", "citations": []})


def test_bare_year_is_a_date() -> None:
    claim = models.Claim.model_validate({"value": "v", "date": 2015, "citations": [citation()]})
    assert claim.date == "2015"


def test_models_are_frozen() -> None:
    cit = models.Citation.model_validate(citation())
    with pytest.raises(ValidationError):
        cit.quote = "changed"  # type: ignore[misc]


def test_every_relationship_type_has_an_inverse() -> None:
    assert set(INVERSES) == {t.value for t in models.RelationshipType}
