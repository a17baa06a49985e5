"""The pipeline: how a report travels through the stages, and what each change sets off.

`tasks` holds the jobs that chain stages (file an accepted report into a case, capture evidence then forward and
analyse it); `flow` connects what the lower layers announce (`intake.signals`, `cases.signals`) to the stage that
owns the follow-up. Only this package knows the order of the stages; each stage knows only the ones below it.
"""
