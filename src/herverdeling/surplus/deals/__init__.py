"""The deal model of the surplus swaps (issue 14, point 1): few, whole, single-source reliefs in
agreements of at most `max_parties` parties, lexicographic (models/deals/*.yaml).

- settings.py: DealSettings (models/deals/<name>.yaml) and DealPins (the users' wishes);
- model.py: the per-category Instance, the linear DealModel (CP-SAT, HiGHS or SCIP on the same
  rows) and CountModel, the small relaxation whose proven optimum bounds each level;
- solve.py: `solve_deals`, the chain and the result read back;
- result.py: Relief, Agreement, CategoryDeals, DealResult.
"""

from herverdeling.surplus.deals.result import Agreement, CategoryDeals, DealResult, Relief
from herverdeling.surplus.deals.settings import (
    DealPins,
    DealSettings,
    MunicipalityPin,
    PartnerPin,
    available_deal_settings,
    load_deal_settings,
)
from herverdeling.surplus.deals.solve import solve_deals

__all__ = ["Agreement", "CategoryDeals", "DealPins", "DealResult", "DealSettings", "MunicipalityPin",
           "PartnerPin", "Relief", "available_deal_settings", "load_deal_settings", "solve_deals"]
