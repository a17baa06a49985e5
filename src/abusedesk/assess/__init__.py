"""Site assessment: score a whole site's archive and profile it for a decision about the site.

    sources (WARC, JSON Lines, a polite crawl)  ->  posts  ->  unique texts in chunks of `CHUNK`
        ->  an engine scores the chunks (`local`: this process; `ray`: Ray Data, an actor pool)
        ->  the profile (counts, rates with intervals, months, targets, worst threads, hashes)
        ->  JSON, a self-contained HTML report, and evidence on a case

Reading, chunking and the profile run in this process; only scoring is distributed. Every chunk is scored as one
`detection.api.analyse_many` call on exactly the texts `abusedesk classify` would batch together for the same
texts in the same order, and no text is scored twice, so both engines and `classify` give the same labels.

Ray is imported only by `engines.RayEngine`: the desk works without the `assess` extra.
"""
