"""What runs inside a worker's own notebook server: per-role Jupyter config folders (learner/, instructor/, ...,
common/ for all) put on JUPYTER_CONFIG_PATH by hub/jupyterhub/spawner.py, the server's lean start (lean.py), the
nbgrader Assignments panel loaded on first use for learners and organizers (deferred_nbgrader.py), and the server
extension that shows nbgrader's formgrader in Chinese (formgrader_zh.py)."""
