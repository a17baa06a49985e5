"""The audit trail: append-only, hash-chained events that every stage writes and none rewrites.

`trail` appends (inside the transaction of the change it records), takes the head lock first (`atomic`) and
verifies the chain. This app imports nothing of the pipeline's stages; all of them import it.
"""
