# nbgrader in every worker's server: the exchange is the platform service (hub/lab/exchange/), reached with her
# own token, never a shared world-writable folder. Learners list, fetch, submit and fetch feedback; releasing and
# collecting point to the platform's course page. The spawner puts this folder on JUPYTER_CONFIG_PATH after the
# role's own folder (hub/jupyterhub/singleuser/<role>/), which may override it.
c = get_config()  # noqa: F821

c.ExchangeFactory.exchange = "hub.lab.exchange.PlatformExchange"
c.ExchangeFactory.list = "hub.lab.exchange.ExchangeList"
c.ExchangeFactory.fetch_assignment = "hub.lab.exchange.ExchangeFetchAssignment"
c.ExchangeFactory.submit = "hub.lab.exchange.ExchangeSubmit"
c.ExchangeFactory.fetch_feedback = "hub.lab.exchange.ExchangeFetchFeedback"
# Releasing and collecting happen on the platform's course page; these only say so.
c.ExchangeFactory.release_assignment = "hub.lab.exchange.ExchangeReleaseAssignment"
c.ExchangeFactory.release_feedback = "hub.lab.exchange.ExchangeReleaseFeedback"
c.ExchangeFactory.collect = "hub.lab.exchange.ExchangeCollect"
