"""Stage: the explorer, a local web app for a provinciale regietafel (what-if on a map).

`create_app(scenario)` builds the FastAPI app; `herverdeling app` serves it on 127.0.0.1.
The what-if logic (`whatif`, `explore`, `compare`) needs no web server and is tested on its own.
"""

from herverdeling.app.compare import Comparison, compare
from herverdeling.app.explore import Explorer, Metrics, View
from herverdeling.app.whatif import WhatIf, WhatIfError, defaults, parse_whatif, whatif_scenario

__all__ = ["Comparison", "Explorer", "Metrics", "View", "WhatIf", "WhatIfError", "compare", "defaults",
           "parse_whatif", "whatif_scenario"]
