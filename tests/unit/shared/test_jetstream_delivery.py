"""A JetStream delivery's stream seq and stored time, read from its reply subject as the client library reads them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nats.aio.msg import Msg

from shared.runtime.jetstream_pull import delivery

names = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789", min_size=1, max_size=12)
counts = st.integers(min_value=0, max_value=2**63 - 1)


@given(names, names, counts, counts, counts, st.integers(min_value=0, max_value=4_102_444_800 * 10**9), counts,
       st.one_of(st.none(), st.tuples(names, names, names)))
def test_the_stream_seq_and_stored_time_are_those_the_client_library_reads(stream, consumer, delivered, stream_seq,
                                                                          consumer_seq, nanos, pending, domain):
    middle = f"{stream}.{consumer}.{delivered}.{stream_seq}.{consumer_seq}.{nanos}.{pending}"
    if domain is None:
        reply = f"$JS.ACK.{middle}"
    else:
        reply = f"$JS.ACK.{domain[0]}.{domain[1]}.{middle}.{domain[2]}"
    metadata = Msg(_client=None, reply=reply).metadata
    assert delivery(reply) == (metadata.sequence.stream, metadata.timestamp)


@pytest.mark.parametrize("reply", [None, "", "_INBOX.abc.1", "$JS.ACK.EVENTS.c.1.2.3", "$JS.API.CONSUMER.INFO.X.Y",
                                   "$JS.ACK.EVENTS.c.1.x.3.4.5"])
def test_a_message_that_is_no_jetstream_delivery_has_none(reply):
    assert delivery(reply) is None
