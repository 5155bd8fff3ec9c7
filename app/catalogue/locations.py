"""Fill a session's place from the commune reference: a code alone is enough."""

from __future__ import annotations

from app.catalogue.schemas import Location, LocationIn
from app.core.problems import Unprocessable
from app.reference import communes


def resolve_location(loc: LocationIn, path: list[str | int]) -> Location:
    """Complete `loc` (city, département, région, lat/lon) from its INSEE code or postcode.

    Stated coordinates win over the commune centroid. Unknown code → 422 naming the field."""
    commune = None
    if loc.insee:
        commune = communes.by_insee(loc.insee)
        if commune is None:
            raise Unprocessable.at([*path, "insee"], f"code INSEE inconnu : {loc.insee}")
    elif loc.postcode:
        commune = communes.by_postcode(loc.postcode)
        if commune is None:
            raise Unprocessable.at([*path, "postcode"], f"code postal inconnu : {loc.postcode}")
    if commune is None:
        return Location(address=loc.address, postcode=loc.postcode, insee=loc.insee, city=loc.city,
                        departement=loc.departement, region=loc.region, lat=loc.lat, lon=loc.lon)
    return Location(
        address=loc.address,
        postcode=loc.postcode or commune.postcode,
        insee=commune.insee,
        city=loc.city or commune.name,
        departement=commune.departement,
        region=commune.region,
        lat=loc.lat if loc.lat is not None else commune.lat,
        lon=loc.lon if loc.lon is not None else commune.lon,
    )
