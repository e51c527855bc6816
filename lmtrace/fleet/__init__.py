"""A fleet at once: many clouds' logs swept on Dask distributed (`lmtrace sweep`).

Each cloud is a directory or an fsspec URL holding any mix of inputs; per
cloud the same analysis as `analyze`, and one summary across clouds.

- `clouds` — the arguments as clouds (`NAME=PATH`), each cloud's input files
  (listed through fsspec, rotated sets oldest first)
- `tasks` — what a worker runs: sniff a file, scan a range of it where the
  data lies (lmtrace.parallel.scan_range), reduce a cloud's rows to its
  `Report` (lmtrace.load.stream_of, lmtrace.analyze.analyze_stream)
- `cluster` — the client: a LocalCluster or an existing scheduler, the
  tasks, the progress callback (`sweep`); the only module importing dask
- `summary` — the fleet summary across clouds (`summarize`)

Nothing imports this package but the `sweep` command: `import lmtrace`
loads neither dask nor fsspec (they are the optional extra `lmtrace[fleet]`).
"""
