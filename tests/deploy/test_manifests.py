"""The YAML manifests and Dockerfiles under deploy/ parse, and name images, ports and labels consistently."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
VALUES = yaml.safe_load((DEPLOY / "kubernetes" / "values.yaml").read_text())


def _docs(name: str) -> dict[tuple[str, str], dict]:
    docs = [d for d in yaml.safe_load_all((DEPLOY / "kubernetes" / name).read_text()) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def _selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def test_the_service_selects_the_service_pods_and_the_hub_finds_it_by_name():
    docs = _docs("jinguo-service.yaml")
    deployment, service = docs["Deployment", "jinguo"], docs["Service", "jinguo"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert _selects(deployment["spec"]["selector"]["matchLabels"], pod_labels)
    assert _selects(service["spec"]["selector"], pod_labels)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    svc_port = service["spec"]["ports"][0]
    assert ports[svc_port["targetPort"]] == 8000
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["JINGUO_SERVICE_PORT"] == "8000" and env["JINGUO_SERVICE_IP"] == "0.0.0.0"
    # the hub's service entry, the hub's setting of the Service name and the servers' URL name the same place
    assert VALUES["hub"]["services"]["jinguo"]["url"] == f"http://{service['metadata']['name']}:{svc_port['port']}"
    assert VALUES["hub"]["extraEnv"]["JINGUO_K8S_SERVICE_HOST"] == service["metadata"]["name"]
    assert VALUES["hub"]["extraEnv"]["JINGUO_K8S_SERVICE_PORT"] == str(svc_port["port"])
    # the chart's network policies let the hub, the proxy and workers' servers out to exactly these pods
    for egress in (VALUES["hub"]["networkPolicy"]["egress"], VALUES["proxy"]["chp"]["networkPolicy"]["egress"],
                   VALUES["singleuser"]["networkPolicy"]["egress"]):
        assert any(_selects(rule["to"][0]["podSelector"]["matchLabels"], pod_labels)
                   and rule["ports"][0]["port"] == svc_port["port"] for rule in egress)
    policy = docs["NetworkPolicy", "jinguo"]
    assert _selects(policy["spec"]["podSelector"]["matchLabels"], pod_labels)
    allowed = [f["podSelector"]["matchLabels"]["component"] for f in policy["spec"]["ingress"][0]["from"]]
    assert sorted(allowed) == ["hub", "proxy", "singleuser-server"]
    # and the chart's hub NetworkPolicy (templates/hub/netpol.yaml) lets the service's pods call the hub's API
    assert pod_labels.get("hub.jupyter.org/network-access-hub") == "true"
    assert any(r["ports"][0]["port"] == 8081 for r in policy["spec"]["egress"])
    claim = docs["PersistentVolumeClaim", "jinguo-data"]
    assert VALUES["hub"]["config"]["KubernetesSettings"]["data_claim"] == claim["metadata"]["name"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_grading_workers_have_no_way_in_nor_out_but_the_database_and_are_not_privileged():
    docs = _docs("grading-worker.yaml")
    deployment, policy = docs["Deployment", "jinguo-grading-worker"], docs["NetworkPolicy", "jinguo-grading-worker"]
    pod = deployment["spec"]["template"]
    assert _selects(deployment["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"])
    assert _selects(policy["spec"]["podSelector"]["matchLabels"], pod["metadata"]["labels"])
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"] and policy["spec"]["ingress"] == []
    assert sorted(r["ports"][0]["port"] for r in policy["spec"]["egress"]) == [53, 5432, 6379]
    spec = pod["spec"]
    # root only inside the pod's own user namespace (an unprivileged uid range on the node), never privileged
    assert spec["hostUsers"] is False
    assert spec["securityContext"]["seccompProfile"]["type"] == "Localhost"
    assert spec["securityContext"]["appArmorProfile"]["type"] == "Localhost"
    assert spec.get("hostNetwork") is not True and spec.get("hostPID") is not True
    container = spec["containers"][0]
    sc = container["securityContext"]
    assert sc["privileged"] is False and sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"]
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert set(sc["capabilities"]["add"]) <= {"SETUID", "SETGID", "CHOWN", "FOWNER", "DAC_OVERRIDE", "SYS_ADMIN"}
    assert "volumes" not in spec or not any("hostPath" in v for v in spec["volumes"])
    assert container["resources"]["limits"]["cpu"] and container["resources"]["limits"]["memory"]
    assert container["command"] == ["jinguo", "grading-worker"]
    text = (DEPLOY / "kubernetes" / "grading-worker.yaml").read_text()
    assert "How the sandbox runs in a pod (decision)" in text and "CHOSEN" in text


IMAGES = {  # Dockerfile → (image named in the manifests, ports it exposes, uid it runs as)
    "hub.Dockerfile": (f"{VALUES['hub']['image']['name']}:{VALUES['hub']['image']['tag']}", {"8081", "8000"}, "1000"),
    "singleuser.Dockerfile": (f"{VALUES['singleuser']['image']['name']}:{VALUES['singleuser']['image']['tag']}",
                              {"8888"}, str(VALUES["singleuser"]["uid"])),
    "grading-worker.Dockerfile": ("registry.example.org/jinguo/grading-worker:0.1.0", set(), "10001"),
}


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_dockerfiles_parse_run_as_non_root_and_match_the_manifests(name):
    image, ports, uid = IMAGES[name]
    parser = DockerfileParser(path=str(DEPLOY / "docker" / name))
    assert parser.baseimage.startswith("python:3.11-")
    instructions = [(i["instruction"], i["value"]) for i in parser.structure]
    users = [v for k, v in instructions if k == "USER"]
    assert users and users[-1] == uid and users[-1] not in ("0", "root")
    exposed = {p for k, v in instructions if k == "EXPOSE" for p in v.split()}
    assert exposed == ports
    assert image in (DEPLOY / "docker" / name).read_text()  # the build line names the image the manifests use
    manifests = (DEPLOY / "kubernetes" / "values.yaml").read_text() + \
        (DEPLOY / "kubernetes" / "jinguo-service.yaml").read_text() + \
        (DEPLOY / "kubernetes" / "grading-worker.yaml").read_text()
    assert image.rsplit(":", 1)[0] in manifests


def test_hub_image_has_jupyterhub_6_kubespawner_culler_psycopg_and_jinguo():
    text = (DEPLOY / "docker" / "hub.Dockerfile").read_text()
    for need in ('"jupyterhub>=6.1,<7"', "jupyterhub-kubespawner", "jupyterhub-idle-culler", "psycopg", "pycurl",
                 "pip install /src/jinguo"):
        assert need in text
    assert VALUES["singleuser"]["uid"] == 1000 and VALUES["singleuser"]["fsGid"] == 100


ROOT = DEPLOY.parent
_MODULE = re.compile(r"(?:-m[\s,]+|from\s+|import\s+)((?:hub|grading|competitions|courses|widgets)(?:\.\w+)*)")
_CLASS = re.compile(r"_class:\s*((?:hub|grading)(?:\.\w+)+)")


def _module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


@pytest.mark.parametrize("path", sorted(DEPLOY.rglob("*Dockerfile")) + sorted((DEPLOY / "kubernetes").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_what_an_image_or_manifest_names_of_the_project_exists_under_that_name(path):
    """A restructuring moves modules and folders; an image built from an old name fails only when someone builds
    it (no cluster here), so every project path a Dockerfile copies from the build context and every project
    module it or a manifest runs or imports must exist under exactly that name (not through hub/__init__.py's
    deprecated aliases)."""
    text = path.read_text(encoding="utf-8")
    for rel in re.findall(r"/src/jinguo/([\w./-]+)", text):
        assert (ROOT / rel).exists(), f"{path.name} copies {rel}, which is not in the project"
    for dotted in _MODULE.findall(text):
        assert _module_file(dotted), f"{path.name} names the module {dotted}, which is not in the project"
    for dotted in _CLASS.findall(text):  # authenticator_class: hub.jupyterhub.auth.JinguoAuthenticator
        module, name = dotted.rsplit(".", 1)
        found = _module_file(module)
        assert found and re.search(rf"^class {name}\b", found.read_text(encoding="utf-8"), re.M), \
            f"{path.name} names the class {dotted}, which is not in the project"
