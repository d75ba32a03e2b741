"""Enumerations of the contract vocabulary (``spec/share-check.md`` et al.)."""

from enum import StrEnum


class OrgType(StrEnum):
    MUNICIPALITY = "municipality"
    POLICE = "police"
    PUBLIC_PROSECUTOR = "public_prosecutor"
    KMAR = "kmar"
    LABOUR_INSPECTORATE = "labour_inspectorate"
    IND = "ind"
    RIEC = "riec"
    ZORG_EN_VEILIGHEIDSHUIS = "zorg_en_veiligheidshuis"
    CARE_COORDINATOR = "care_coordinator"
    YOUTH_CARE = "youth_care"
    HEALTH_CARE = "health_care"
    SOCIAL_SUPPORT = "social_support"
    SHELTER = "shelter"
    VEILIG_THUIS = "veilig_thuis"
    COMENSHA = "comensha"
    NATIONAAL_RAPPORTEUR = "nationaal_rapporteur"
    NGO = "ngo"


class Purpose(StrEnum):
    INVESTIGATION = "investigation"
    PROSECUTION = "prosecution"
    ADMINISTRATIVE = "administrative"
    CARE = "care"
    REGISTRATION = "registration"
    RESEARCH = "research"


class DataCategory(StrEnum):
    IDENTIFYING = "identifying"
    SPECIAL_HEALTH = "special_health"
    SPECIAL_SEXUAL = "special_sexual"
    SPECIAL_OTHER = "special_other"
    CRIMINAL = "criminal"
    POLICE_DATA = "police_data"
    JUDICIAL_DATA = "judicial_data"
    BSN = "bsn"
    RESIDENCE_STATUS = "residence_status"


class SubjectRole(StrEnum):
    POSSIBLE_VICTIM = "possible_victim"
    POSSIBLE_PERPETRATOR = "possible_perpetrator"
    THIRD_PARTY = "third_party"


class Consent(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    NOT_ASKED = "not_asked"


class Covenant(StrEnum):
    RIEC = "riec"
    ZORG_EN_VEILIGHEIDSHUIS = "zorg_en_veiligheidshuis"
    OTHER = "other"


class ExploitationForm(StrEnum):
    SEXUAL = "sexual_exploitation"
    LABOUR = "labour_exploitation"
    CRIMINAL = "criminal_exploitation"
    ORGAN_REMOVAL = "organ_removal"


class Region(StrEnum):
    """The ten police/RIEC regions."""

    NOORD_NEDERLAND = "noord_nederland"
    OOST_NEDERLAND = "oost_nederland"
    MIDDEN_NEDERLAND = "midden_nederland"
    NOORD_HOLLAND = "noord_holland"
    AMSTERDAM = "amsterdam"
    DEN_HAAG = "den_haag"
    ROTTERDAM = "rotterdam"
    ZEELAND_WEST_BRABANT = "zeeland_west_brabant"
    OOST_BRABANT = "oost_brabant"
    LIMBURG = "limburg"


class Role(StrEnum):
    PROFESSIONAL = "professional"
    COORDINATOR = "coordinator"
    PRIVACY_OFFICER = "privacy_officer"
    ADMIN = "admin"
