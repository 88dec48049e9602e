"""When the store's database is not the one central has been hearing from (DESIGN §3)."""


def restored_from_backup(central_applied_seq: int, our_last_seq: int) -> bool:
    """Central has applied events of our epoch beyond the last one this database ever wrote: they came from a
    later state of this database that is gone (a restored backup, a copied PC), so our next seqs would collide
    with events central already holds and be dropped as duplicates. Only a new epoch can carry on."""
    return central_applied_seq > our_last_seq
