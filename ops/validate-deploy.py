#!/usr/bin/env python3
"""The file-level checks of ops/validate-deploy.sh, which runs this with its venv's python (pyyaml).

    validate-deploy.py yaml FILE...                 every document of each file parses
    validate-deploy.py kustomization DIR            resources and patch files exist, patch targets exist
    validate-deploy.py kustomize-raw DIR OUT        DIR's resources, unpatched, as one stream (no kustomize)
    validate-deploy.py split STREAM OUTDIR          core documents to OUTDIR/core.yaml, KEDA ones to JSON files
    validate-deploy.py references STREAM LABEL      what the documents name exists and matches the code
    validate-deploy.py compose CONFIG NGINX_CONF    the resolved compose file's files, services and wiring
    validate-deploy.py dockerfile FILE DOCKERIGNORE the build stage only runs build.sh; the runtime stage
    validate-deploy.py runtime-packages FILE        the packages the runtime stage installs, one a line

Each check prints one line, `PASS what` or `FAIL what: why`; the shell script counts them.
"""

import fnmatch
import json
import os
import re
import shlex
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication", "ScaledJob", "ClusterTriggerAuthentication"}


def report(name, problems):
    if problems:
        print(f"FAIL {name}: " + "; ".join(problems))
    else:
        print(f"PASS {name}")
    return not problems


def rel(path):
    return os.path.relpath(path, ROOT)


def load_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# --- YAML ---------------------------------------------------------------------------------------------

def check_yaml(files):
    for path in files:
        try:
            docs = load_docs(path)
            report(f"yaml {rel(path)}", [] if docs else ["no document"])
        except yaml.YAMLError as error:
            report(f"yaml {rel(path)}", [str(error).replace("\n", " ")])


# --- kustomize, without kustomize ------------------------------------------------------------------------

def kustomization_file(directory):
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def collect(directory, problems, seen=None):
    """The documents a kustomization's resources hold (recursively), unpatched."""
    seen = seen if seen is not None else set()
    directory = os.path.abspath(directory)
    if directory in seen:
        problems.append(f"{rel(directory)}: included twice")
        return []
    seen.add(directory)
    path = kustomization_file(directory)
    if path is None:
        problems.append(f"{rel(directory)}: no kustomization.yaml")
        return []
    kustomization = load_docs(path)[0]
    docs = []
    for entry in kustomization.get("resources", []) or []:
        target = os.path.join(directory, entry)
        if os.path.isdir(target):
            docs.extend(collect(target, problems, seen))
        elif os.path.isfile(target):
            docs.extend(load_docs(target))
        else:
            problems.append(f"resource {entry} of {rel(path)} does not exist")
    namespace = kustomization.get("namespace")
    for doc in docs:
        if namespace and doc.get("kind") != "Namespace":
            doc.setdefault("metadata", {})["namespace"] = namespace
    return docs


def matches(doc, target):
    group = doc.get("apiVersion", "").rpartition("/")[0]
    return (
        ("kind" not in target or doc.get("kind") == target["kind"])
        and ("name" not in target or doc.get("metadata", {}).get("name") == target["name"])
        and ("group" not in target or group == target["group"])
        and ("version" not in target or doc.get("apiVersion", "").rpartition("/")[2] == target["version"])
    )


def check_kustomization(directory):
    problems = []
    docs = collect(directory, problems)
    path = kustomization_file(directory)
    kustomization = load_docs(path)[0] if path else {}
    patches = list(kustomization.get("patches", []) or [])
    patches += [{"path": p} for p in kustomization.get("patchesStrategicMerge", []) or []]
    patches += list(kustomization.get("patchesJson6902", []) or [])
    for patch in patches:
        targets = []
        if "path" in patch:
            patch_path = os.path.join(directory, patch["path"])
            if not os.path.isfile(patch_path):
                problems.append(f"patch {patch['path']} does not exist")
                continue
            if "target" not in patch:  # a strategic-merge patch names its own target
                targets = [
                    {"kind": d.get("kind"), "name": d.get("metadata", {}).get("name")}
                    for d in load_docs(patch_path)
                ]
        if "target" in patch:
            targets = [patch["target"]]
        for target in targets:
            if not any(matches(doc, target) for doc in docs):
                problems.append(f"patch target {target} matches no resource")
    for image in kustomization.get("images", []) or []:
        names = {c.get("image", "").split(":")[0] for d in docs for c in containers(d)}
        if image.get("name") not in names:
            problems.append(f"images: {image.get('name')} is used by no container")
    report(f"kustomization {rel(directory)}: {len(docs)} resources, {len(patches)} patches", problems)
    return docs


def kustomize_raw(directory, out):
    problems = []
    docs = collect(directory, problems)
    with open(out, "w") as f:
        yaml.safe_dump_all(docs, f, sort_keys=False)
    if problems:
        report(f"collect {rel(directory)}", problems)


# --- Kubernetes documents ------------------------------------------------------------------------------

def pod_spec(doc):
    kind = doc.get("kind")
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
        return doc.get("spec", {}).get("template", {}).get("spec", {})
    if kind == "CronJob":
        return doc.get("spec", {}).get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
    if kind == "Pod":
        return doc.get("spec", {})
    return {}


def containers(doc):
    spec = pod_spec(doc)
    return (spec.get("containers") or []) + (spec.get("initContainers") or [])


def split(stream, outdir):
    docs = load_docs(stream)
    core = [d for d in docs if d.get("kind") not in KEDA_KINDS]
    with open(os.path.join(outdir, "core.yaml"), "w") as f:
        yaml.safe_dump_all(core, f, sort_keys=False)
    for doc in docs:
        if doc.get("kind") in KEDA_KINDS:
            name = f"keda-{doc['kind']}-{doc.get('metadata', {}).get('name', 'unnamed')}.json"
            with open(os.path.join(outdir, name), "w") as f:
                json.dump(doc, f)


def command_queue_in_code():
    with open(os.path.join(ROOT, "Sources/Core/Ports/EventBus.swift")) as f:
        match = re.search(r'commandQueue\s*=\s*"([^"]+)"', f.read())
    return match.group(1) if match else None


def check_references(stream, label):
    docs = load_docs(stream)
    problems = []

    def named(kind, name):
        return next((d for d in docs if d.get("kind") == kind and d["metadata"].get("name") == name), None)

    def selects(selector, labels):
        return bool(selector) and all(labels.get(k) == v for k, v in selector.items())

    scaled = set()
    for doc in docs:
        kind, name = doc.get("kind"), doc.get("metadata", {}).get("name")
        where = f"{kind}/{name}"
        if kind in ("HorizontalPodAutoscaler", "ScaledObject"):
            ref = doc["spec"]["scaleTargetRef"]
            if not named(ref.get("kind", "Deployment"), ref["name"]):
                problems.append(f"{where}: scale target {ref['name']} does not exist")
            scaled.add(ref["name"])
        if kind == "ScaledObject":
            for trigger in doc["spec"]["triggers"]:
                auth = trigger.get("authenticationRef", {}).get("name")
                if auth and not named("TriggerAuthentication", auth):
                    problems.append(f"{where}: TriggerAuthentication {auth} does not exist")
                meta = trigger.get("metadata", {})
                if trigger["type"] == "rabbitmq":
                    queue = command_queue_in_code()
                    if meta.get("queueName") != queue:
                        problems.append(f"{where}: queueName {meta.get('queueName')} is not the code's {queue}")
                    # Over AMQP, KEDA counts ready messages only: the workers' prefetched backlog is unseen.
                    if meta.get("mode") == "QueueLength" and meta.get("protocol") != "http":
                        problems.append(f"{where}: QueueLength needs protocol http to count unacked messages")
        if kind == "TriggerAuthentication":
            for ref in doc["spec"].get("secretTargetRef", []):
                secret = named("Secret", ref["name"])
                keys = set((secret or {}).get("data", {}) or {}) | set((secret or {}).get("stringData", {}) or {})
                if ref["key"] not in keys:
                    problems.append(f"{where}: secret {ref['name']} has no key {ref['key']}")
        if kind in ("Service", "PodDisruptionBudget"):
            selector = doc["spec"].get("selector", {})
            selector = selector.get("matchLabels", selector) if kind == "PodDisruptionBudget" else selector
            pods = [d for d in docs if pod_spec(d) and d.get("kind") != "Job"
                    and selects(selector, d["spec"]["template"]["metadata"].get("labels", {}))]
            if not pods:
                problems.append(f"{where}: selector {selector} matches no pod template")
            if kind == "Service":
                for port in doc["spec"]["ports"]:
                    target = port.get("targetPort")
                    if isinstance(target, str) and not any(
                        p.get("name") == target for d in pods for c in containers(d) for p in c.get("ports", [])
                    ):
                        problems.append(f"{where}: targetPort {target} is no container port")
        if kind == "Ingress":
            for rule in doc["spec"].get("rules", []):
                for path in rule.get("http", {}).get("paths", []):
                    service = path["backend"]["service"]
                    target = named("Service", service["name"])
                    if not target:
                        problems.append(f"{where}: Service {service['name']} does not exist")
                    elif "name" in service.get("port", {}) and not any(
                        p.get("name") == service["port"]["name"] for p in target["spec"]["ports"]
                    ):
                        problems.append(f"{where}: Service {service['name']} has no port {service['port']['name']}")
        spec = pod_spec(doc)
        if not spec:
            continue
        if not spec.get("securityContext", {}).get("runAsNonRoot"):
            problems.append(f"{where}: pod securityContext.runAsNonRoot is not true")
        for volume in spec.get("volumes", []):
            if "secret" in volume and not named("Secret", volume["secret"]["secretName"]):
                problems.append(f"{where}: volume secret {volume['secret']['secretName']} does not exist")
        for container in containers(doc):
            cwhere = f"{where} container {container['name']}"
            ports = {p.get("name") for p in container.get("ports", [])}
            for source in container.get("envFrom", []):
                if "configMapRef" in source and not named("ConfigMap", source["configMapRef"]["name"]):
                    problems.append(f"{cwhere}: ConfigMap {source['configMapRef']['name']} does not exist")
                if "secretRef" in source and not named("Secret", source["secretRef"]["name"]):
                    problems.append(f"{cwhere}: Secret {source['secretRef']['name']} does not exist")
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    secret = named("Secret", ref["name"]) or {}
                    keys = set(secret.get("data", {}) or {}) | set(secret.get("stringData", {}) or {})
                    if ref["key"] not in keys:
                        problems.append(f"{cwhere}: secret {ref['name']} has no key {ref['key']}")
            if container.get("securityContext", {}).get("allowPrivilegeEscalation") is not False:
                problems.append(f"{cwhere}: allowPrivilegeEscalation is not false")
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(part, {}):
                        problems.append(f"{cwhere}: no {part}.{resource}")
            if doc["kind"] != "Deployment":
                continue
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in container:
                    problems.append(f"{cwhere}: no {probe}")
                    continue
                port = container[probe].get("httpGet", {}).get("port")
                if isinstance(port, str) and port not in ports:
                    problems.append(f"{cwhere}: {probe} port {port} is no container port")
    for doc in docs:
        if doc.get("kind") == "Deployment" and doc["metadata"]["name"] in scaled and "replicas" in doc["spec"]:
            # An autoscaled Deployment with replicas set is reset to that count on every apply.
            problems.append(f"Deployment/{doc['metadata']['name']}: sets replicas but is autoscaled")
    report(f"references {label}: {len(docs)} documents name what exists, probes, limits, non-root", problems)


# --- compose -------------------------------------------------------------------------------------------

APP_COMMANDS = ("tableorder-api", "tableorder-worker")


def check_compose(config_path, nginx_conf):
    config = load_docs(config_path)[0]
    services = config.get("services", {})
    problems = []
    for name, service in services.items():
        build = service.get("build")
        if build:
            context = build["context"] if isinstance(build, dict) else build
            dockerfile = os.path.join(context, build.get("dockerfile", "Dockerfile")) if isinstance(build, dict) \
                else os.path.join(context, "Dockerfile")
            for path in (context, dockerfile):
                if not os.path.exists(path):
                    problems.append(f"{name}: {path} does not exist")
        for volume in service.get("volumes", []):
            source = volume.get("source") if isinstance(volume, dict) else volume.split(":")[0]
            kind = volume.get("type") if isinstance(volume, dict) else ("bind" if source.startswith("/") else "volume")
            if kind == "bind" and not os.path.exists(source):
                problems.append(f"{name}: bind source {source} does not exist")
        for env_file in service.get("env_file", []) or []:
            if not os.path.exists(env_file):
                problems.append(f"{name}: env_file {env_file} does not exist")
    report("compose: every file a service names exists", problems)

    problems = []
    apps = {n: s for n, s in services.items() if s.get("command") and s["command"][0] in APP_COMMANDS}
    for name, service in apps.items():
        env = service.get("environment", {})
        command = service["command"]
        needed = ["ENV", "DATABASE_URL"] + (["REDIS_URL", "RABBITMQ_URL"] if len(command) == 1 else [])
        if command == ["tableorder-api"]:
            needed += ["JWT_PUBLIC_KEY_FILE", "JWT_PRIVATE_KEY_FILE", "HTTP_HOST"]
        for variable in needed:
            if not env.get(variable):
                problems.append(f"{name}: {variable} is not set")
        if env.get("ENV") != "production":
            problems.append(f"{name}: ENV is not production")
        if command[1:2] != ["migrate"]:
            condition = service.get("depends_on", {}).get("migrate", {}).get("condition")
            if condition != "service_completed_successfully":
                problems.append(f"{name}: does not wait for migrate to complete")
        if len(command) == 1 and "healthcheck" not in service:
            problems.append(f"{name}: no healthcheck")
    apis = [n for n, s in apps.items() if s["command"] == ["tableorder-api"]]
    workers = [n for n, s in apps.items() if s["command"] == ["tableorder-worker"]]
    if len(apis) < 2 or len(workers) < 2:
        problems.append(f"expected two APIs and two workers, got {apis} and {workers}")
    if not any(s["command"][1:2] == ["migrate"] for s in apps.values()):
        problems.append("no migrate service")
    with open(nginx_conf) as f:
        text = re.sub(r"#.*", "", f.read())
    upstream_hosts = re.findall(r"^\s*server\s+([A-Za-z0-9_.-]+):\d+", text, re.M)
    for host in upstream_hosts:
        if host not in services:
            problems.append(f"nginx upstream {host} is no compose service")
    if sorted(upstream_hosts) != sorted(apis):
        problems.append(f"nginx upstream {upstream_hosts} is not the APIs {apis}")
    report(f"compose: {len(apis)} APIs, {len(workers)} workers, migrate first, env per contract §1", problems)

    # SSE through nginx: no buffering, HTTP/1.1 keep-alive upstream, a read timeout above the heartbeat.
    problems = []
    stream = re.search(r"location\s+=?\s*/api/admin/orders/stream\s*\{([^}]*)\}", text)
    if not stream:
        problems.append("no location for /api/admin/orders/stream")
    else:
        block = stream.group(1)
        if not re.search(r"proxy_buffering\s+off\s*;", block):
            problems.append("the stream's location does not set proxy_buffering off")
        timeout = re.search(r"proxy_read_timeout\s+(\d+)([smh]?)\s*;", block)
        seconds = int(timeout.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[timeout.group(2)] if timeout else 60
        if seconds < 300:
            problems.append(f"the stream's proxy_read_timeout is {seconds}s (under 300s)")
    if not re.search(r"proxy_http_version\s+1\.1\s*;", text):
        problems.append("no proxy_http_version 1.1")
    if not re.search(r'proxy_set_header\s+Connection\s+""\s*;', text):
        problems.append('no proxy_set_header Connection ""')
    report("nginx: SSE unbuffered, HTTP/1.1 upstream, long read timeout", problems)


# --- Dockerfile ----------------------------------------------------------------------------------------

def dockerfile_instructions(path):
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    with open(path) as f:
        for line in f:
            stripped = line.strip()
            if not current and (not stripped or stripped.startswith("#")):
                continue
            if current and stripped.startswith("#"):
                continue
            if stripped.endswith("\\"):
                current += stripped[:-1] + " "
                continue
            current += stripped
            word, _, rest = current.partition(" ")
            instructions.append((word.upper(), rest.strip()))
            current = ""
    return instructions


def stages(path):
    args, result = {}, []
    for word, rest in dockerfile_instructions(path):
        if word == "ARG" and not result:
            key, _, value = rest.partition("=")
            args[key] = value
        elif word == "FROM":
            parts = rest.split()
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), parts[0])
            name = parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else None
            result.append({"image": image, "name": name, "instructions": []})
        elif result:
            result[-1]["instructions"].append((word, rest))
    return result


def run_command(rest):
    """A RUN's shell command without its --mount/--network/--security flags."""
    words = shlex.split(rest)
    while words and words[0].startswith("--"):
        words.pop(0)
    return words


def dockerignored(patterns, path):
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        parts = path.split("/")
        hit = any(fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) for i in range(len(parts)))
        if hit:
            excluded = not negate
    return excluded


def check_dockerfile(path, dockerignore):
    all_stages = stages(path)
    build, runtime = all_stages[0], all_stages[-1]
    runs = [run_command(rest) for word, rest in build["instructions"] if word == "RUN"]
    problems = []
    if len(runs) != 1 or not runs[0] or runs[0][0] != "ops/docker/build.sh":
        problems.append(f"build stage RUNs {runs}, expected only ops/docker/build.sh")
    elif len(runs[0]) < 2:
        problems.append("build.sh is given no OUT_DIR")
    if not build["image"].startswith("swift:") or "bookworm" not in build["image"]:
        problems.append(f"build stage image {build['image']} is not an official Swift bookworm image")
    report(f"dockerfile: the build stage ({build['image']}) runs only ops/docker/build.sh", problems)

    problems = []
    words = {}
    for word, rest in runtime["instructions"]:
        words.setdefault(word, []).append(rest)
    if runtime["image"] != "debian:bookworm-slim":
        problems.append(f"runtime image is {runtime['image']}")
    user = (words.get("USER") or ["root"])[-1].split(":")[0]
    if user in ("root", "0"):
        problems.append("runs as root")
    env = " ".join(words.get("ENV", []))
    for setting in ("ENV=production", "HTTP_HOST=0.0.0.0"):
        if setting not in env:
            problems.append(f"no ENV {setting}")
    exposed = " ".join(words.get("EXPOSE", [])).split()
    for port in ("8080", "9091"):
        if port not in exposed:
            problems.append(f"does not EXPOSE {port}")
    if "tableorder-api" not in " ".join(words.get("CMD", [])):
        problems.append("default CMD is not tableorder-api")
    copies = [rest for rest in words.get("COPY", []) if "--from=" in rest]
    builds = [r for r in runs if r and r[0] == "ops/docker/build.sh" and len(r) > 1]
    out_dir = builds[0][1] if builds else None
    if not any(out_dir and out_dir.rstrip("/") in c for c in copies):
        problems.append(f"no COPY --from of the build's output {out_dir}")
    report("dockerfile: runtime stage is bookworm-slim, non-root, production env, ports 8080 9091", problems)

    # What the image build reads from the context must not be dockerignored; what is local must be.
    with open(dockerignore) as f:
        patterns = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    problems = []
    context_files = ["Package.swift", "Sources/API/App.swift", "ops/docker/build.sh"]
    for word, rest in runtime["instructions"]:
        if word == "COPY" and "--from=" not in rest:
            context_files += rest.split()[:-1]
    for needed in context_files:
        if not os.path.exists(os.path.join(ROOT, needed)):
            problems.append(f"{needed} does not exist")
        if dockerignored(patterns, needed):
            problems.append(f"{needed} is excluded by .dockerignore")
    for local in (".build", ".build-venv/x", ".git", "Package.resolved", "tableorder.sqlite"):
        if not dockerignored(patterns, local):
            problems.append(f"{local} is not excluded by .dockerignore")
    report("dockerignore: sources and build.sh in the context; build folders, .git, Package.resolved out",
           problems)


def runtime_packages(path):
    runtime = stages(path)[-1]
    for word, rest in runtime["instructions"]:
        if word != "RUN":
            continue
        for command in re.split(r"&&|;", rest):
            words = command.split()
            if "apt-get" in words and "install" in words:
                for word_ in words[words.index("install") + 1:]:
                    if not word_.startswith("-"):
                        print(word_)


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "yaml":
        check_yaml(args)
    elif command == "kustomization":
        check_kustomization(args[0])
    elif command == "kustomize-raw":
        kustomize_raw(args[0], args[1])
    elif command == "split":
        split(args[0], args[1])
    elif command == "references":
        check_references(args[0], args[1] if len(args) > 1 else args[0])
    elif command == "compose":
        check_compose(args[0], args[1])
    elif command == "dockerfile":
        check_dockerfile(args[0], args[1])
    elif command == "runtime-packages":
        runtime_packages(args[0])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
