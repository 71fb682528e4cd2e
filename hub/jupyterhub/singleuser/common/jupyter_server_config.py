# Every worker's server, whatever her role: JupyterLab loads our Chinese copy of nbgrader's lab extension (built by
# hub.jupyterhub.config.install_lab_settings at hub start) before nbgrader's own; the first extension of a name wins.
from hub.jupyterhub.singleuser.nbgrader_lab_zh import default_target

c = get_config()  # noqa: F821

c.LabApp.extra_labextensions_path = [str(default_target())]
# Every Python kernel of hers loads a friendly warning for full-width punctuation typed on a Chinese keyboard.
c.ServerApp.kernel_spec_manager_class = "hub.jupyterhub.singleuser.fullwidth.KernelSpecs"
