from s2sbook.report import MEMORY_BUDGET_MB, peak_memory_mb, record, report_peak_memory  # noqa: F401  (shim: report.py is being renamed budgets.py)
