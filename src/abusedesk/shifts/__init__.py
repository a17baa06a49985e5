"""Reviewer wellness: evidence images blurred until the analyst chooses to look, per-shift exposure counts for
the most harmful categories with a nudge to take a break, and "rotate me off this queue" requests to a lead.

It sits just below the console (`review` imports it, never the other way round), so it cannot use
`review.access`: the console's own views load cases; this app records what was seen and shows the counts.
"""
