"""The data engine: synthetic registers, population, extraction, minimisation, running numbers,
linkage, delivery files and packages. Plain Python: no web framework imports anywhere below here,
so the same code runs in the portal's worker, from the CLI and on a cluster."""
