"""The linkage config loader under arbitrary YAML-like data: a config or
InvalidConfig naming what is wrong, never another exception."""

from hypothesis import given, settings
from hypothesis import strategies as st

from schakel.linkage import InvalidConfig, LinkageConfig

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=10),
    st.sampled_from(["name", "date", "phone", "bsn", "text", "id", "naam"]),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                ["id_column", "fields", "column", "kind", "name", "version"]
            )
            | st.text(max_size=6),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(DATA)
def test_arbitrary_data_gives_a_config_or_invalid_config(data):
    try:
        config = LinkageConfig.parse(data)
    except InvalidConfig as exc:
        assert str(exc)
        return
    assert config.fields and config.id_column


@settings(max_examples=200, deadline=None)
@given(
    id_column=SCALARS,
    fields=st.lists(
        st.fixed_dictionaries(
            {"column": SCALARS, "kind": SCALARS},
            optional={"name": SCALARS, "extra": SCALARS},
        ),
        max_size=4,
    ),
    version=st.one_of(st.just(1), SCALARS),
)
def test_config_shaped_data_gives_a_config_or_invalid_config(
    id_column, fields, version
):
    data = {"id_column": id_column, "fields": fields, "version": version}
    try:
        config = LinkageConfig.parse(data)
    except InvalidConfig as exc:
        assert str(exc)
        return
    assert config.id_column not in {f.column for f in config.fields}
