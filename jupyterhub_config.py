# Jinguo (巾帼数字工坊) — JupyterHub configuration.
# Works as is on one machine: SQLite, NativeAuthenticator, the platform service "jinguo".
# Override anything below it, e.g.:
#   c.JinguoConfig.db_url = "postgresql+psycopg://jinguo@db/jinguo"   (or env JINGUO_DB_URL)
#   c.JinguoConfig.public_url = "https://jinguo.example.org"           (or env JINGUO_PUBLIC_URL)
from hub.jupyterhub.config import configure

c = get_config()  # noqa: F821 (provided by JupyterHub)
configure(c)
