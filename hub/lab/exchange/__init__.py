"""nbgrader's pluggable Exchange, through the platform service (issue 5).

Runs inside HER single-user server (JupyterLab's Assignments tab, or ``nbgrader fetch_assignment`` in her
terminal): every call goes to the platform's JSON API with her own token (``JUPYTERHUB_API_TOKEN``) at
``JINGUO_API_URL``, never through a shared world-writable folder. Imports nbgrader, traitlets and the
widgets' HTTP client (widgets/client.py) only.

Wired into every worker's server by hub/jupyterhub/singleuser/common/nbgrader_config.py (``c.ExchangeFactory.*``).
"""
from hub.lab.exchange.base import PlatformExchange
from hub.lab.exchange.learner import ExchangeFetchAssignment, ExchangeFetchFeedback, ExchangeList, ExchangeSubmit
from hub.lab.exchange.instructor import ExchangeCollect, ExchangeReleaseAssignment, ExchangeReleaseFeedback

__all__ = ["PlatformExchange", "ExchangeList", "ExchangeFetchAssignment", "ExchangeSubmit", "ExchangeFetchFeedback",
           "ExchangeReleaseAssignment", "ExchangeReleaseFeedback", "ExchangeCollect"]
