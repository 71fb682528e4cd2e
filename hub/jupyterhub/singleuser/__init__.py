"""What runs inside a worker's own notebook server: per-role Jupyter config folders (learner/, instructor/, ...,
common/ for all) put on JUPYTER_CONFIG_PATH by hub/jupyterhub/spawner.py, and the server extension that shows nbgrader's
formgrader in Chinese (formgrader_zh.py)."""
