"""The IBT monitor and the what-if of failing realisers (issue 17, points 3 and 4).

`monitor(...)` holds the agreements against realised places; `what_if(...)` asks what happens when
realisers realise only part of their places. Both read the IBT ledger and the settings of
models/monitor/; the writers (`herverdeling.monitor.writers`) turn them into papers.
"""

from herverdeling.monitor.core import Monitor, MonitorRow, monitor
from herverdeling.monitor.settings import MonitorSettings, load_monitor_settings
from herverdeling.monitor.whatif import WhatIf, what_if

__all__ = ["Monitor", "MonitorRow", "MonitorSettings", "WhatIf", "load_monitor_settings", "monitor",
           "what_if"]
