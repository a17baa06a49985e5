"""E-mail intake: the abuse@ mailbox as a channel with the API's guarantees.

`store.store_raw` keeps a message exactly as received (encrypted, with its SHA-256) and queues the job that reads
it, in one transaction, before anyone answers 250; `tasks.process_inbound` then parses it (ARF, X-ARF, free text)
into reports through `intake.service.accept`, or attaches a reply to the report it answers.
"""
