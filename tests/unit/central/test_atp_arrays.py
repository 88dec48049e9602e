"""Invariant: ATP over many nodes at once (`atps_of`, what routing reads for every node of an order) is, node by
node, the formula of DESIGN §5 (`atp_of`): nothing from a stale node, never below zero."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from central.domain.atp import atp_of, atps_of

FIGURES = st.tuples(st.integers(-50, 100), st.integers(0, 100), st.integers(0, 100), st.integers(0, 100),
                    st.booleans())


@settings(max_examples=200, deadline=None)
@given(nodes=st.lists(FIGURES, min_size=1, max_size=30))
def test_atp_of_many_nodes_is_each_nodes_atp(nodes):
    on_hand, reserved, pending, safety, fresh = (np.array(column) for column in zip(*nodes))
    assert atps_of(on_hand, reserved, pending, safety, fresh).tolist() == [atp_of(*node) for node in nodes]
