# nbgrader for instructors: formgrader opens the course she teaches. The spawner (hub/jupyterhub/spawner.py) sets
# JINGUO_COURSE_ROOT and JINGUO_COURSE_ID to the first course she teaches (in the order they were published); as
# root her account reaches that folder through the course's Unix group (hub/jupyterhub/unix_groups.py). The exchange
# settings come from ../common/nbgrader_config.py, loaded as well.
import os

c = get_config()  # noqa: F821

if os.environ.get("JINGUO_COURSE_ROOT"):
    c.CourseDirectory.root = os.environ["JINGUO_COURSE_ROOT"]
    c.CourseDirectory.course_id = os.environ.get("JINGUO_COURSE_ID") or os.path.basename(
        os.environ["JINGUO_COURSE_ROOT"].rstrip("/"))
