# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Safety stock from a cycle service level, and lead times measured from
the supplier's receipts.

The service level is a **cycle service level** (type I, alpha): the
probability of no stockout during one replenishment cycle.  With periodic
review every R days and a lead time L (mean, standard deviation sigma_L),
the protection interval is L + R and

    safety stock = z(alpha) * sqrt((L + R) * sigma_d**2 + d**2 * sigma_L**2)

where d is the mean daily demand and sigma_d its daily forecast error
(the backtest RMSE), z the standard normal quantile of alpha.  The second
term is the lead-time variability, which often dominates.
"""
import numpy as np
from scipy.stats import norm

MIN_RECEIPTS = 3


def service_factor(service_level):
    "z for a cycle service level in (0, 1)"
    return norm.ppf(np.clip(np.asarray(service_level, dtype=float),
            0.5, 0.9999))


def safety_stock(service_level, daily_mean, daily_sigma, lead_time,
        lead_time_sigma, review_period):
    "Safety stock in units, element-wise on arrays"
    z = service_factor(service_level)
    interval = np.asarray(lead_time, dtype=float) + review_period
    variance = (interval * np.square(daily_sigma)
        + np.square(daily_mean) * np.square(lead_time_sigma))
    return z * np.sqrt(variance)


def lead_time_statistics(lead_times, configured, configured_sigma=0.,
        minimum=MIN_RECEIPTS):
    """Mean and standard deviation (days) of the measured lead times, and
    whether they were measured: the configured figures when fewer than
    `minimum` receipts exist
    """
    values = np.asarray([float(v) for v in lead_times if v is not None])
    if len(values) < minimum:
        return float(configured), float(configured_sigma), False
    return float(values.mean()), float(values.std(ddof=1)), True
