"""schemactl benchmarks: each against a baseline measured in the same run, on a local Weaviate (the default build; SCHEMACTL_WEAVIATE picks another).

    scripts/bench            # N = 10k and 100k (several minutes)
    scripts/bench --quick    # N = 2k and 10k
    scripts/bench --only tenants --tenant-sizes 50x5,100x5 --many-tenants 200 --results /tmp/t.md   # a quick check

Data is synthetic and seeded. Prints a markdown table and writes it to bench/results.md.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from schemactl.connection import quiet_client_warnings

quiet_client_warnings()  # before weaviate-client is imported
import httpx
import weaviate
from weaviate.classes.data import DataObject

from schemactl.dev import weaviate as testbed
from schemactl.dev.workload import WORDS
from schemactl.settings import TARGET_GROUP

REPO = Path(__file__).resolve().parent.parent
DIMS = 384


@dataclass
class Row:
    benchmark: str
    variant: str
    objects: int
    seconds: float
    peak_rss_mb: float | None = None
    ratio: str = ""

    @property
    def rate(self) -> float:
        return self.objects / self.seconds if self.seconds else 0.0


# ---- data -----------------------------------------------------------------------------------

def synthetic(n: int, seed: int, with_vectors: bool = True):
    rng = random.Random(seed)
    for i in range(n):
        words = lambda k: " ".join(rng.choice(WORDS) for _ in range(k))
        vector = [rng.uniform(-1, 1) for _ in range(DIMS)] if with_vectors else None
        yield DataObject(uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                         properties={"title": words(4), "body": words(30), "tag": rng.choice(WORDS), "n": i},
                         vector=vector)


def collection_yaml(name: str, endpoint: str, distance: str = "cosine") -> str:
    return (f"name: {name}\nproperties:\n  - name: title\n    dataType: text\n  - name: body\n    dataType: text\n"
            f"  - name: tag\n    dataType: text\n    tokenization: field\n  - name: n\n    dataType: int\n"
            f"vectorizer:\n  module: text2vec-huggingface\n  endpointURL: {endpoint}\n  vectorizeClassName: false\n"
            f"vectorIndexConfig:\n  distance: {distance}\n")


def rest_class(name: str, endpoint: str, distance: str = "cosine") -> dict:
    from schemactl.rest_json import to_rest
    from schemactl.validate import validate_paths

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "c.yaml").write_text(collection_yaml("X", endpoint, distance))
        body = to_rest(validate_paths([Path(tmp)]).collections["X"])
    return {**body, "class": name}


# ---- running schemactl as a separate process (its own peak RSS) -----------------------------

def schemactl_command(args: list[str], server) -> list[str]:
    return [sys.executable, "-m", "schemactl", *args, "--url", server.url, "--grpc-port", str(server.ports.grpc)]


def run_schemactl(args: list[str], server, env: dict | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stderr) of one `python -m schemactl ...` process."""
    command = schemactl_command(args, server)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **(env or {})}, stdout=out, stderr=err,
                                   text=True)
        peak = 0
        while process.poll() is None:  # VmHWM: this process's own peak (ru_maxrss would include the fork)
            peak = max(peak, _vm_hwm_kb(process.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise SystemExit(f"schemactl {' '.join(args)} failed:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return seconds, peak / 1024, stderr


def _vm_hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def copy_rate(stderr: str) -> float:
    """The copy phase's own objects/s, as apply reports it."""
    return float(re.findall(r"\(([\d,]+) objects/s\)", stderr)[-1].replace(",", ""))


def phase_seconds(stderr: str) -> dict[str, float]:
    """Copy and verify (delta passes, then the fenced final pass) seconds, as apply reports them."""
    copy = float(re.findall(r"object\(s\) (?:with stored vectors|re-embedded) in ([\d.]+) s", stderr)[-1])
    passes = float(re.findall(r"delta pass\(es\) over \S+ in ([\d.]+) s", stderr)[-1])
    return {"copy": copy, "verify": passes + write_pause(stderr)}


def write_pause(stderr: str) -> float:
    """How long the cutover kept writes to the old version fenced off, as apply reports it."""
    return float(re.findall(r"were paused for ([\d.]+) s", stderr)[-1])


def startup_seconds(server) -> float:
    """A schemactl process that starts, imports everything and reads the cluster's version."""
    return min(run_schemactl(["history"], server)[0] for _ in range(3))


def read_only(client, n: int) -> Row:
    """schemactl's page reader alone: how fast the source can be read (vectors included)."""
    from schemactl.apply.data_copy import CopyJob, _pages

    job = CopyJob("Bench", "-", None, ("title", "body", "tag", "n"), (), reuse=("default",))
    started = time.perf_counter()
    read = sum(len(page) for page in _pages(client, job, None))
    assert read == n, read
    return Row("copy, reuse vectors", "profile: schemactl's reader alone (no writes)", n,
               time.perf_counter() - started)


def profile(n: int, seconds: float, stderr: str, startup: float, what: str) -> list[Row]:
    """Where the time of one apply process goes: start, copy, verify, the rest (plan, lock, cutover)."""
    phases = phase_seconds(stderr)
    rest = seconds - startup - phases["copy"] - phases["verify"]
    parts = {"process start, read the cluster (`history`)": startup, "copy": phases["copy"],
             "verify (delta passes, fenced final pass)": phases["verify"], "the rest: plan, lock, ledger, client, cutover": rest}
    return [Row(what, f"profile: {name}", n, part, ratio=f"{part / seconds:.0%} of the apply")
            for name, part in parts.items()]


# ---- benchmarks -----------------------------------------------------------------------------

def reset(client) -> None:
    for alias in client.alias.list_all():
        client.alias.delete(alias_name=alias)
    client.collections.delete_all()


def fill(client, name: str, objects: list[DataObject]) -> None:
    collection = client.collections.use(name)
    with collection.batch.fixed_size(batch_size=500, concurrent_requests=4) as batch:
        for o in objects:
            batch.add_object(properties=o.properties, uuid=o.uuid, vector=o.vector)
    assert not collection.batch.failed_objects


def bench_reuse(client, server, endpoint: str, n: int, workdir: Path) -> list[Row]:
    reset(client)
    objects = list(synthetic(n, seed=n))
    schemas = workdir / f"reuse-{n}"
    schemas.mkdir()
    (schemas / "c.yaml").write_text(collection_yaml("Bench", endpoint))
    run_schemactl(["apply", str(schemas), "--auto-approve"], server)
    fill(client, "Bench", objects)

    # (a) ceiling: a raw client batch import of the same objects, already in memory
    client.collections.create_from_dict(rest_class("Ceiling", endpoint, "dot"))
    started = time.perf_counter()
    fill(client, "Ceiling", objects)
    ceiling = Row("copy, reuse vectors", "(a) raw batch import from memory", n, time.perf_counter() - started)
    del objects

    # (b) the loop the docs suggest: iterator + batch, defaults
    client.collections.create_from_dict(rest_class("DocsLoop", endpoint, "dot"))
    started = time.perf_counter()
    target = client.collections.use("DocsLoop")
    with target.batch.dynamic() as batch:
        for o in client.collections.use("Bench").iterator(include_vector=True):
            batch.add_object(properties=o.properties, uuid=o.uuid, vector=o.vector["default"])
    docs = Row("copy, reuse vectors", "(b) iterator + batch (docs)", n, time.perf_counter() - started)
    client.collections.delete(["Ceiling", "DocsLoop"])
    reader = read_only(client, n)

    (schemas / "c.yaml").write_text(collection_yaml("Bench", endpoint, "dot"))
    seconds, rss, err = run_schemactl(["apply", str(schemas), "--auto-approve"], server)
    rate = copy_rate(err)
    copy_only = Row("copy, reuse vectors", "schemactl copy phase", n, n / rate)
    whole = Row("copy, reuse vectors", "schemactl apply (copy+verify+cutover, process)", n, seconds, rss)
    copy_only.ratio = f"{copy_only.rate / ceiling.rate:.2f}× (a), {copy_only.rate / docs.rate:.2f}× (b)"
    whole.ratio = f"{whole.rate / ceiling.rate:.2f}× (a), {whole.rate / docs.rate:.2f}× (b)"
    return [ceiling, docs, copy_only, whole, reader,
            *profile(n, seconds, err, startup_seconds(server), "copy, reuse vectors")]


def bench_reembed(client, server, embedder_url: str, n: int, workdir: Path) -> list[Row]:
    reset(client)
    objects = list(synthetic(n, seed=n + 1))
    schemas = workdir / f"reembed-{n}"
    schemas.mkdir()
    (schemas / "c.yaml").write_text(collection_yaml("Bench", f"{embedder_url}/models/words-{DIMS}"))
    run_schemactl(["apply", str(schemas), "--auto-approve"], server)
    fill(client, "Bench", objects)

    new_model = f"{embedder_url}/models/other-{DIMS}"
    client.collections.create_from_dict(rest_class("Raw", new_model))
    started = time.perf_counter()
    with client.collections.use("Raw").batch.fixed_size(batch_size=500, concurrent_requests=4) as batch:
        for o in objects:
            batch.add_object(properties=o.properties, uuid=o.uuid)  # Weaviate vectorizes
    raw = Row("re-embed", "raw import, Weaviate vectorizes", n, time.perf_counter() - started)
    client.collections.delete("Raw")
    del objects

    (schemas / "c.yaml").write_text(collection_yaml("Bench", new_model))
    seconds, rss, err = run_schemactl(["apply", str(schemas), "--auto-approve"], server)
    copy_only = Row("re-embed", "schemactl copy phase", n, n / copy_rate(err))
    whole = Row("re-embed", "schemactl apply (copy+verify+cutover, process)", n, seconds, rss)
    copy_only.ratio = f"{copy_only.rate / raw.rate:.2f}×"
    whole.ratio = f"{whole.rate / raw.rate:.2f}×"
    return [raw, copy_only, whole, *profile(n, seconds, err, startup_seconds(server), "re-embed")]


def bench_plan(client, server, workdir: Path, collections: int = 500, properties: int = 20) -> list[Row]:
    import yaml

    reset(client)
    schemas = workdir / "plan"
    schemas.mkdir()
    http = httpx.Client(base_url=server.url, timeout=120)
    for c in range(collections):
        props = "".join(f"  - name: p{p}\n    dataType: {'text' if p % 2 else 'int'}\n" for p in range(properties))
        (schemas / f"c{c}.yaml").write_text(f"name: C{c}\nproperties:\n{props}vectorizer:\n  module: none\n")
    from schemactl.rest_json import to_rest
    from schemactl.validate import validate_paths
    for collection in validate_paths([schemas]).collections.values():  # as-is: apply adds 500 aliases
        http.post("/v1/schema", json=to_rest(collection)).raise_for_status()

    def baseline(loader) -> float:
        started = time.perf_counter()
        httpx.get(f"{server.url}/v1/schema", timeout=60).json()
        for path in sorted(schemas.glob("*.yaml")):
            yaml.load(path.read_text(), Loader=loader)
        return time.perf_counter() - started

    base = min(baseline(yaml.SafeLoader) for _ in range(3))
    fast = min(baseline(getattr(yaml, "CSafeLoader", yaml.SafeLoader)) for _ in range(3))
    ours = min(run_schemactl(["plan", str(schemas), "--detailed-exitcode"], server)[0] for _ in range(3))
    in_process = []
    from schemactl.api import compute_plan
    from schemactl.connection import Target
    for _ in range(3):
        started = time.perf_counter()
        compute_plan([schemas], Target(server.url, server.ports.grpc))
        in_process.append(time.perf_counter() - started)
    label = f"plan, {collections} collections × {properties} properties"
    rows = [Row(label, "GET /v1/schema + yaml.safe_load each file", collections, base),
            Row(label, "GET /v1/schema + libyaml (CSafeLoader) each file", collections, fast),
            Row(label, "schemactl plan (library call)", collections, min(in_process)),
            Row(label, "schemactl plan (process, incl. Python start)", collections, ours)]
    for row in rows[2:]:
        row.ratio = f"{row.seconds / base:.2f}× / {row.seconds / fast:.2f}× the time"
    return rows


# ---- migrations under live writes ------------------------------------------------------------

LIVE_OBJECTS = 20_000


def live_doc_yaml(endpoint: str, distance: str = "cosine") -> str:
    return (f"name: Doc\nproperties:\n  - name: title\n    dataType: text\n  - name: body\n    dataType: text\n"
            f"  - name: rank\n    dataType: int\nvectorizer:\n  module: text2vec-huggingface\n"
            f"  endpointURL: {endpoint}\n  vectorizeClassName: false\nvectorIndexConfig:\n  distance: {distance}\n")


def apply_under_writes(client, server, embedder_url: str, workdir: Path, mode: str, rate: float,
                       n: int = LIVE_OBJECTS, seed: int = 1) -> dict:
    """One migration of `n` objects while writers send `rate` writes/s through the alias; the
    acknowledged writes audited against the final state."""
    from schemactl.dev.embedder import embed
    from schemactl.dev.workload import Workload, audit, deleted_last, seed_objects

    reset(client)
    schemas = workdir / f"live-{mode}-{rate:g}-{seed}"
    schemas.mkdir()
    old_model, new_model = "words-64", ("words-96" if mode == "re-embed" else "words-64")
    (schemas / "doc.yaml").write_text(live_doc_yaml(f"{embedder_url}/models/{old_model}"))
    run_schemactl(["apply", str(schemas), "--auto-approve"], server)
    objects = seed_objects(n, seed)
    fill(client, "Doc", [DataObject(properties=p, uuid=u, vector=embed(f"{p['title']} {p['body']}", old_model))
                         for u, p in objects.items()])
    changed = (live_doc_yaml(f"{embedder_url}/models/{new_model}") if mode == "re-embed"
               else live_doc_yaml(f"{embedder_url}/models/{old_model}", distance="dot"))
    (schemas / "doc.yaml").write_text(changed)

    def connect():
        return weaviate.connect_to_local(host="127.0.0.1", port=server.ports.http, grpc_port=server.ports.grpc)

    workload = Workload(connect, "Doc", objects, rate=rate, seed=seed, threads=max(3, int(rate // 20))).start()
    try:
        time.sleep(2)
        started = time.monotonic()
        code, seconds, stderr = run_schemactl_status(["apply", str(schemas), "--auto-approve"], server)
        finished = time.monotonic()
        time.sleep(2)
    finally:
        workload.stop()
    during = [a for a in workload.acks() if started <= a.at <= finished]
    report = audit(client, "Doc", workload.expected(), new_model, deleted=deleted_last(workload)) if code == 0 else None
    return {"code": code, "seconds": seconds, "stderr": stderr, "achieved": len(during) / (finished - started),
            "audit": report, "refused": workload.refused}


def delta_passes(stderr: str) -> str:
    """How the delta passes shrank before the fence, as apply reports it."""
    passes, differing = re.findall(r"(\d+) delta pass\(es\) over \S+ in [\d.]+ s \(objects differing: ([^)]*)\)",
                                   stderr)[-1]
    return f"{passes} delta passes (differing: {differing})"


def run_schemactl_status(args: list[str], server) -> tuple[int, float, str]:
    """(exit code, wall seconds, stderr) of one `python -m schemactl ...` process."""
    command = schemactl_command(args, server)
    started = time.perf_counter()
    done = subprocess.run(command, check=False, cwd=REPO, capture_output=True, text=True)
    return done.returncode, time.perf_counter() - started, done.stderr


def bench_live_writes(client, server, embedder_url: str, workdir: Path) -> list[Row]:
    rows: list[Row] = []
    for mode in ("reuse", "re-embed"):
        baseline = None
        for rate in (0, 20, 40):
            run = apply_under_writes(client, server, embedder_url, workdir, mode, rate)
            if run["code"] != 0:
                raise SystemExit(f"apply under {rate} writes/s failed:\n{run['stderr'][-3000:]}")
            row = Row(f"migration under writes, {mode}", f"{rate} writes/s through the alias "
                      f"(achieved {run['achieved']:.0f}/s)", LIVE_OBJECTS, run["seconds"])
            baseline = baseline or row
            row.ratio = (f"{row.rate / baseline.rate:.2f}× of 0 writes/s; {delta_passes(run['stderr'])}; writes "
                         f"paused {write_pause(run['stderr']):.1f} s; audit: {run['audit'].describe()}")
            rows.append(row)
            print(table(rows), flush=True)
    rows += highest_write_rate(client, server, embedder_url, workdir)
    return rows


def highest_write_rate(client, server, embedder_url: str, workdir: Path) -> list[Row]:
    """Double the write rate until apply refuses to cut over, or the writers stop getting faster
    (on this machine they share two cores with Weaviate and the apply)."""
    rows: list[Row] = []
    rate, best = 80.0, 0.0
    while rate <= 2560:
        run = apply_under_writes(client, server, embedder_url, workdir, "reuse", rate)
        outcome = "cut over" if run["code"] == 0 else "refused"
        detail = (f"{delta_passes(run['stderr'])}; writes paused {write_pause(run['stderr']):.1f} s; "
                  f"audit: {run['audit'].describe()}"
                  if run["code"] == 0 else run["stderr"].strip().splitlines()[-1][:300])
        rows.append(Row("highest write rate, reuse", f"{rate:g} writes/s asked, {run['achieved']:.0f}/s achieved "
                        "during the apply: " + outcome, LIVE_OBJECTS, run["seconds"], ratio=detail))
        print(table(rows), flush=True)
        if run["code"] != 0 or run["achieved"] < best * 1.2:
            break
        best, rate = run["achieved"], rate * 2
    return rows
# ---- report ---------------------------------------------------------------------------------

def bench_copies(client, server, embedder_url: str, small: int, large: int, workdir: Path) -> list[Row]:
    rows: list[Row] = []
    unused = f"{embedder_url}/models/words-{DIMS}"
    for n in (small, large):
        rows += bench_reuse(client, server, unused, n, workdir)
        print(table(rows), flush=True)
    rows += bench_reembed(client, server, embedder_url, small, workdir)
    reuse_rss = [r for r in rows if r.peak_rss_mb and r.benchmark.startswith("copy")]
    rows.append(Row("memory", f"peak RSS {large:,} vs {small:,} objects (reuse apply)", large, 0,
                    reuse_rss[-1].peak_rss_mb, f"{reuse_rss[-1].peak_rss_mb / reuse_rss[0].peak_rss_mb:.2f}×"))
    return rows


RECREATE = "recreate (copy, vectors reused)"
REINDEX_ON = {"RUNTIME_REINDEX_ENABLED": "true"}  # from 1.39.3 the server builds indexes in place only with it


def bench_reindex(client, server, endpoint: str, n: int, workdir: Path) -> list[Row]:
    """A tokenization change (title: word -> field) on n objects: Weaviate 1.39's index task
    in place (the shared server runs them: RUNTIME_REINDEX_ENABLED) vs the recreate (copy with
    vectors reused) schemactl planned before."""
    rows = []
    for variant, env in ((RECREATE, {"SCHEMACTL_INDEX_TASKS": "off"}),
                         ("index task in place", {})):
        reset(client)
        schemas = workdir / f"reindex-{n}-{len(rows)}"
        schemas.mkdir()
        (schemas / "c.yaml").write_text(collection_yaml("Bench", endpoint))
        run_schemactl(["apply", str(schemas), "--auto-approve"], server)
        fill(client, "Bench", list(synthetic(n, seed=n)))
        changed = collection_yaml("Bench", endpoint).replace(
            "  - name: title\n    dataType: text\n", "  - name: title\n    dataType: text\n    tokenization: field\n")
        (schemas / "c.yaml").write_text(changed)
        seconds, rss, _ = run_schemactl(["apply", str(schemas), "--auto-approve"], server, env=env)
        moved = client.alias.get(alias_name="Bench").collection != "Bench_v1"
        if moved != (variant == RECREATE):
            raise SystemExit(f"tokenization change, {variant}: planned as the other (RUNTIME_REINDEX_ENABLED?)")
        rows.append(Row("tokenization change", variant, n, seconds, rss))
    rows[1].ratio = f"{rows[0].seconds / rows[1].seconds:.1f}× faster than recreate"
    return rows


def named_yaml(endpoint: str, first: str, second: str | None) -> str:
    text = ("name: Bench\nproperties:\n  - name: title\n    dataType: text\n  - name: body\n    dataType: text\n"
            "vectors:\n")
    for name, model in (("first", first), ("second", second)):
        if model:
            text += (f"  {name}:\n    vectorizer:\n      module: text2vec-huggingface\n"
                     f"      endpointURL: {endpoint}/models/{model}\n      vectorizeClassName: false\n")
    return text


def bench_backfill(client, server, embedder_url: str, n: int, workdir: Path) -> list[Row]:
    """A named vector added to n objects: filled through a new version that reuses the other
    vector (only the new one embedded) vs a recreate that re-embeds every vector."""
    rows = []
    for variant, first_after in (("recreate re-embedding every vector", f"other-{DIMS}"),
                                 ("backfill: only the new vector embedded", f"words-{DIMS}")):
        reset(client)
        schemas = workdir / f"backfill-{n}-{len(rows)}"
        schemas.mkdir()
        (schemas / "c.yaml").write_text(named_yaml(embedder_url, f"words-{DIMS}", None))
        run_schemactl(["apply", str(schemas), "--auto-approve"], server)
        with client.collections.use("Bench").batch.fixed_size(batch_size=500, concurrent_requests=4) as batch:
            for o in synthetic(n, seed=n + 2):
                batch.add_object(properties={"title": o.properties["title"], "body": o.properties["body"]},
                                 uuid=o.uuid, vector={"first": o.vector})
        (schemas / "c.yaml").write_text(named_yaml(embedder_url, first_after, "words-64"))
        texts_before = httpx.get(f"{embedder_url}/stats").json()["texts"]
        seconds, rss, _ = run_schemactl(["apply", str(schemas), "--auto-approve"], server)
        embedded = httpx.get(f"{embedder_url}/stats").json()["texts"] - texts_before
        rows.append(Row("add a named vector", variant, n, seconds, rss, f"{embedded:,} texts embedded"))
    rows[1].ratio += (f"; {rows[0].seconds / rows[1].seconds:.2f}× the speed of re-embedding every vector "
                      "(the dev endpoint embeds almost for free; a real model's cost is per text)")
    return rows


def rename_yaml(endpoint: str, title: str, renamed_from: str | None = None, name_in_text: bool = False) -> str:
    """Bench with its `title` property called `title`; title and body both embedded."""
    moved = f"    renamedFrom: {renamed_from}\n" if renamed_from else ""
    named = "    vectorizer:\n      vectorizePropertyName: true\n" if name_in_text else ""
    return (f"name: Bench\nproperties:\n  - name: {title}\n    dataType: text\n{moved}{named}"
            f"  - name: body\n    dataType: text\n  - name: tag\n    dataType: text\n    tokenization: field\n"
            f"  - name: n\n    dataType: int\nvectorizer:\n  module: text2vec-huggingface\n  endpointURL: {endpoint}\n"
            "  vectorizeClassName: false\n")


def bench_rename(client, server, embedder_url: str, n: int, workdir: Path) -> list[Row]:
    """A property renamed on n objects: the stored vectors reused (the name is not in the text,
    and body < tag < topic keeps the order of title) vs the same rename with the name entering the text
    (every object re-embedded), with the real all-MiniLM-L6-v2 behind the endpoint (the dev
    endpoint's own models embed almost for free: reusing would look no better than re-embedding)."""
    reset(client)
    endpoint = f"{embedder_url}/models/{REAL_MODEL}"
    schemas = workdir / f"rename-{n}"
    schemas.mkdir()
    (schemas / "c.yaml").write_text(rename_yaml(endpoint, "title"))
    run_schemactl(["apply", str(schemas), "--auto-approve"], server)
    fill(client, "Bench", list(synthetic(n, seed=n + 3)))
    rows = []
    for variant, file in (("vectors reused (name not in the text)", rename_yaml(endpoint, "topic", "title")),
                          ("re-embedded (vectorizePropertyName: true)",
                           rename_yaml(endpoint, "title", "topic", name_in_text=True))):
        (schemas / "c.yaml").write_text(file)
        texts_before = httpx.get(f"{embedder_url}/stats").json()["texts"]
        # a fenced final pass compares all n objects again: at 100,000 that is longer than the default pause
        seconds, rss, _ = run_schemactl(["apply", str(schemas), "--auto-approve", "--max-write-pause", "60"], server)
        embedded = httpx.get(f"{embedder_url}/stats").json()["texts"] - texts_before
        rows.append(Row("property rename", variant, n, seconds, rss, f"{embedded:,} texts embedded"))
    rows[0].ratio += f"; {rows[1].seconds / rows[0].seconds:.2f}× the speed of re-embedding"
    return rows


REAL_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def bench_real_model(client, server, embedder_url: str, n: int, workdir: Path) -> list[Row]:
    """With the real all-MiniLM-L6-v2 behind the endpoint: (a) a raw import that Weaviate
    vectorizes, (b) schemactl's re-embedding migration onto it, (c) a migration that reuses its
    vectors (the reason this tool exists)."""
    reset(client)
    objects = list(synthetic(n, seed=n + 3, with_vectors=False))
    real = f"{embedder_url}/models/{REAL_MODEL}"
    client.collections.create_from_dict(rest_class("Raw", real))
    started = time.perf_counter()
    with client.collections.use("Raw").batch.fixed_size(batch_size=100, concurrent_requests=2) as batch:
        for o in objects:
            batch.add_object(properties=o.properties, uuid=o.uuid)
    raw = Row("real model", "(a) raw import, Weaviate vectorizes", n, time.perf_counter() - started)
    client.collections.delete("Raw")
    schemas = workdir / f"real-{n}"
    schemas.mkdir()
    (schemas / "c.yaml").write_text(collection_yaml("Bench", f"{embedder_url}/models/words-{DIMS}"))
    run_schemactl(["apply", str(schemas), "--auto-approve"], server)
    fill(client, "Bench", list(synthetic(n, seed=n + 3)))
    (schemas / "c.yaml").write_text(collection_yaml("Bench", real))
    seconds, rss, _ = run_schemactl(["apply", str(schemas), "--auto-approve"], server)
    reembed = Row("real model", "(b) schemactl migration re-embedding with it", n, seconds, rss,
                  f"{raw.seconds / seconds:.2f}× (a)")
    (schemas / "c.yaml").write_text(collection_yaml("Bench", real, "dot"))
    seconds, rss, _ = run_schemactl(["apply", str(schemas), "--auto-approve"], server)
    reuse = Row("real model", "(c) schemactl migration reusing its vectors", n, seconds, rss,
                f"{reembed.seconds / seconds:.1f}× faster than (b)")
    return [raw, reembed, reuse]


def cluster_yaml(endpoint: str, distance: str, factor: int) -> str:
    return (collection_yaml("Bench", endpoint, distance)
            + f"replicationConfig:\n  factor: {factor}\nshardingConfig:\n  desiredCount: 3\n")


def cluster_copy(server, endpoint: str, n: int, workdir: Path, factor: int, label: str) -> Row:
    """A recreate reusing the vectors of `n` objects (3 shards, `factor` replicas) on `server`."""
    client = weaviate.connect_to_local(host="127.0.0.1", port=server.ports.http, grpc_port=server.ports.grpc)
    try:
        reset(client)
        schemas = workdir / f"cluster-{label.split()[0]}-{factor}"
        schemas.mkdir()
        (schemas / "c.yaml").write_text(cluster_yaml(endpoint, "cosine", factor))
        run_schemactl(["apply", str(schemas), "--auto-approve"], server)
        fill(client, "Bench", list(synthetic(n, seed=n)))
        (schemas / "c.yaml").write_text(cluster_yaml(endpoint, "dot", factor))
        seconds, rss, err = run_schemactl(["apply", str(schemas), "--auto-approve"], server)
        phases = phase_seconds(err)
        reset(client)
    finally:
        client.close()
    return Row("copy on a cluster", f"{label}: apply (copy {phases['copy']:.1f} s, verify {phases['verify']:.1f} s)",
               n, seconds, rss)


def bench_cluster(server, endpoint: str, n: int, workdir: Path) -> list[Row]:
    """One node against three on this machine (all on its CPUs): the same recreate, writes at ALL."""
    single = cluster_copy(server, endpoint, n, workdir, 1, "1 node, 3 shards")
    cluster = testbed.start_cluster(workdir / "cluster", 3)
    try:
        spread = cluster_copy(cluster.nodes[0], endpoint, n, workdir, 1, "3 nodes, 3 shards, factor 1")
        replicated = cluster_copy(cluster.nodes[0], endpoint, n, workdir, 3, "3 nodes, 3 shards, factor 3")
    finally:
        cluster.stop()
    for row in (spread, replicated):
        row.ratio = f"{row.rate / single.rate:.2f}× 1 node"
    return [single, spread, replicated]


# ---- many tenants ---------------------------------------------------------------------------

TENANTS_LABEL = "tenants, recreate reusing vectors"
TENANT_SIZES = "500x5,1000x5,1500x5,1000x20"  # tenants x objects per tenant
MANY_TENANTS = 10_000  # the realistic large case: 95% COLD, 5% HOT
TENANT_CHUNK = 500  # tenants created, filled and put to sleep at a time when some are COLD
TENANT_TIMEOUT = 600.0  # seconds an apply of the large case may take


def tenant_name(i: int) -> str:
    return f"t{i:05d}"


def is_hot(i: int, tenants: int, hot: int) -> bool:
    """`hot` tenants spread evenly over `tenants`; the others COLD."""
    return hot >= tenants or i % max(1, tenants // max(hot, 1)) == 0


def tenant_objects(i: int, per_tenant: int, seed: int, vectors: list[list[float]]) -> list[DataObject]:
    """Tenant i's objects: the same in every process (seeded per tenant), vectors picked from a few
    made once, so generating them costs next to nothing in a timed process."""
    rng = random.Random(seed * 1_000_003 + i)
    return [DataObject(uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                       properties={"title": " ".join(rng.choices(WORDS, k=4)), "body": " ".join(rng.choices(WORDS, k=30)),
                                   "tag": rng.choice(WORDS), "n": i * per_tenant + k},
                       vector=vectors[rng.randrange(len(vectors))])
            for k in range(per_tenant)]


def tenant_vectors(seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-1, 1) for _ in range(DIMS)] for _ in range(256)]


def import_tenants(client, collection: str, tenants: int, per_tenant: int, hot: int, seed: int) -> None:
    """Tenants created in bulk (one request; TENANT_CHUNK at a time when some go COLD, so no more
    are loaded at once), their objects batch-imported, the COLD ones put to sleep."""
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    target = client.collections.use(collection)
    vectors = tenant_vectors(seed)
    chunk = tenants if hot >= tenants else TENANT_CHUNK
    for start in range(0, tenants, chunk):
        numbers = range(start, min(tenants, start + chunk))
        target.tenants.create([Tenant(name=tenant_name(i)) for i in numbers])
        batch_import(client, collection, numbers, per_tenant, seed, vectors)
        cold = [Tenant(name=tenant_name(i), activity_status=TenantActivityStatus.INACTIVE)
                for i in numbers if not is_hot(i, tenants, hot)]
        if cold:
            target.tenants.update(cold)


def batch_import(client, collection: str, numbers: range, per_tenant: int, seed: int,
                 vectors: list[list[float]]) -> None:
    """Tenants `numbers`' objects, batch-imported."""
    with client.batch.fixed_size(batch_size=500, concurrent_requests=4) as batch:
        for i in numbers:
            for o in tenant_objects(i, per_tenant, seed, vectors):
                batch.add_object(collection=collection, tenant=tenant_name(i), properties=o.properties,
                                 uuid=o.uuid, vector=o.vector)
    if client.batch.failed_objects:
        failed = client.batch.failed_objects
        raise SystemExit(f"{len(failed)} object(s) not imported into {collection}: {failed[0].message}")


def raw_tenant_import(spec: dict) -> None:
    """The baseline, run as its own process: a multi-tenant collection created with weaviate-client,
    its tenants in bulk, the same objects batch-imported."""
    client = weaviate.connect_to_local(host="127.0.0.1", port=spec["http"], grpc_port=spec["grpc"])
    try:
        started = time.perf_counter()
        client.collections.create_from_dict({**rest_class(spec["name"], spec["endpoint"], "dot"),
                                             "multiTenancyConfig": {"enabled": True}})
        import_tenants(client, spec["name"], spec["tenants"], spec["per_tenant"], spec["hot"], spec["seed"])
        print(f"{time.perf_counter() - started:.3f}")  # the import alone: no process start, no connection
    finally:
        client.close()


def floor_tenant_migration(spec: dict) -> None:
    """The least any migration within the resource bound must do, run as its own process on a
    server holding Bench_v1 behind alias Bench: the new version's tenants made TARGET_GROUP at a
    time, each group created awake, its objects inserted from memory (no read of the source, no
    verification, no fence, no checkpoint) and put to sleep; the alias moved; the old version's
    tenants put to sleep and the new version's woken. What schemactl does beyond this is its own
    cost; what this does beyond a raw import is the bound's."""
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    client = weaviate.connect_to_local(host="127.0.0.1", port=spec["http"], grpc_port=spec["grpc"])
    try:
        started = time.perf_counter()
        client.collections.create_from_dict({**rest_class("Bench_v2", spec["endpoint"], "dot"),
                                             "multiTenancyConfig": {"enabled": True}})
        new, old = client.collections.use("Bench_v2"), client.collections.use("Bench_v1")
        names = [tenant_name(i) for i in range(spec["tenants"])]
        vectors = tenant_vectors(spec["seed"])
        for start in range(0, len(names), TARGET_GROUP):
            numbers = range(start, min(len(names), start + TARGET_GROUP))
            new.tenants.create([Tenant(name=tenant_name(i)) for i in numbers])
            insert_each(client, "Bench_v2", numbers, spec["per_tenant"], spec["seed"], vectors)
            new.tenants.update([Tenant(name=tenant_name(i), activity_status=TenantActivityStatus.INACTIVE)
                                for i in numbers])
        httpx.put(f"http://127.0.0.1:{spec['http']}/v1/aliases/Bench", json={"class": "Bench_v2"}).raise_for_status()
        old.tenants.update([Tenant(name=n, activity_status=TenantActivityStatus.INACTIVE) for n in names])
        new.tenants.update([Tenant(name=n, activity_status=TenantActivityStatus.ACTIVE) for n in names])
        print(f"{time.perf_counter() - started:.3f}")
    finally:
        client.close()


def insert_each(client, collection: str, numbers: range, per_tenant: int, seed: int,
                vectors: list[list[float]]) -> None:
    """Tenants `numbers`' objects, each tenant's in one insert_many, four tenants at a time. For a
    group of tenants this beats a batch context, which costs about a second each time it closes
    (measured, 500 tenants x 5 in groups of 50: 2.7 s against 11.6 s)."""
    def insert(i: int) -> None:
        done = client.collections.use(collection).with_tenant(tenant_name(i)).data.insert_many(
            tenant_objects(i, per_tenant, seed, vectors))
        if done.has_errors:
            raise SystemExit(f"{len(done.errors)} object(s) not inserted into {collection}, tenant {tenant_name(i)}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(insert, numbers))


def check_floor(server, tenants: int, per_tenant: int) -> None:
    """After a floor's process: it did all it was timed for."""
    names = {tenant_name(i) for i in range(tenants)}
    client = weaviate.connect_to_local(host="127.0.0.1", port=server.ports.http, grpc_port=server.ports.grpc)
    try:
        alias = httpx.get(f"{server.url}/v1/aliases/Bench").json().get("class")
        new, old = client.collections.use("Bench_v2"), client.collections.use("Bench_v1")
        awake = {n for n, t in new.tenants.get().items() if t.activity_status.value in ("ACTIVE", "HOT")}
        asleep = {n for n, t in old.tenants.get().items() if t.activity_status.value in ("INACTIVE", "COLD")}
        counts = {n: len(new.with_tenant(n).query.fetch_objects(limit=1000).objects) for n in (min(names), max(names))}
    finally:
        client.close()
    if alias != "Bench_v2" or awake != names or asleep != names or set(counts.values()) != {per_tenant}:
        raise SystemExit(f"the floor did not finish its work: alias -> {alias}, {len(awake)} new tenants awake, "
                         f"{len(asleep)} old asleep, objects {counts}")


def run_tenant_process(mode: str, server, endpoint: str, tenants: int, per_tenant: int, hot: int,
                       seed: int) -> tuple[float, float]:
    """Wall seconds of this script run as `--{mode}` (a whole process, Python start included, as for
    schemactl), and of its work alone inside it."""
    spec = {"http": server.ports.http, "grpc": server.ports.grpc, "name": "Raw", "endpoint": endpoint,
            "tenants": tenants, "per_tenant": per_tenant, "hot": hot, "seed": seed}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), f"--{mode}", json.dumps(spec)],
                          cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    return seconds, float(done.stdout.split()[-1])


def run_schemactl_within(args: list[str], server, timeout: float) -> tuple[int | None, float, float, str]:
    """(exit code, or None when killed after `timeout` s; wall seconds; peak RSS MB; stderr) of one
    `python -m schemactl ...` process."""
    with tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(schemactl_command(args, server), cwd=REPO, stdout=subprocess.DEVNULL, stderr=err,
                                   text=True)
        peak = 0
        while process.poll() is None and time.perf_counter() - started < timeout:
            peak = max(peak, _vm_hwm_kb(process.pid))
            time.sleep(0.05)
        code = process.poll()
        if code is None:
            process.kill()
            process.wait()
        seconds = time.perf_counter() - started
        err.seek(0)
        return code, seconds, peak / 1024, err.read()


RUNS = 2  # raw imports and applies per tenant row, each on a fresh server: the best of each is compared
TENANT_PAUSE = 60  # seconds: the fenced pass reads every active tenant, its copy woken 100 at a time


def tenant_yaml(endpoint: str, distance: str = "cosine") -> str:
    return collection_yaml("Bench", endpoint, distance) + "multiTenancyConfig:\n  enabled: true\n"


def tenant_recreate(endpoint: str, tenants: int, per_tenant: int, hot: int, workdir: Path,
                    timeout: float, runs: int = RUNS) -> list[Row]:
    """Raw import, the bound's floor (all tenants HOT only) and schemactl apply of the same tenants,
    each the best of `runs`, each run on a Weaviate of its own: Bench_v1 filled, then a distance
    change recreates it (vectors reused)."""
    seed = tenants * 100 + per_tenant
    cold = f" ({hot:,} HOT, {tenants - hot:,} COLD)" if hot < tenants else ""
    what = f"{tenants:,} tenants{cold} × {per_tenant}"
    best = f"best of {runs}, each on a fresh server" if runs > 1 else "a fresh server"
    size = f"{tenants}x{per_tenant}"
    raws = []
    for run in range(runs):
        with fresh_server(workdir, f"raw-{size}-{run}") as (server, _):
            settle_disk()
            raws.append(run_tenant_process("raw-tenants", server, endpoint, tenants, per_tenant, hot, seed))
    process, alone = min(raws)
    raw = Row(TENANTS_LABEL, f"{what}: (a) raw import: collection, tenants in bulk, batch (process; {best})",
              tenants * per_tenant, process, ratio=f"the import alone {alone:.2f} s")
    floor = None
    if hot >= tenants:
        floors = []
        for run in range(runs):
            with source_server(endpoint, tenants, per_tenant, hot, seed, workdir / f"floor-{size}-{run}") as (server, _):
                floors.append(run_tenant_process("floor-tenants", server, endpoint, tenants, per_tenant, hot, seed))
                check_floor(server, tenants, per_tenant)
        floor = Row(TENANTS_LABEL, f"{what}: (c) the resource bound's floor: {FLOOR} (process; {best})",
                    tenants * per_tenant, min(floors)[0], ratio=f"{min(floors)[0] / raw.seconds:.1f}× (a)")
    applies = []
    for run in range(runs):
        with source_server(endpoint, tenants, per_tenant, hot, seed, workdir / f"apply-{size}-{run}") as (server, schemas):
            applies.append(run_schemactl_within(["apply", str(schemas), "--auto-approve", "--max-write-pause",
                                                 str(TENANT_PAUSE)], server, timeout))
    apply = apply_row(what, best, tenants, per_tenant, applies, raw, floor, timeout)
    return [raw, apply] + ([floor] if floor else [])


FLOOR = (f"the new version made {TARGET_GROUP} tenants at a time from memory (each group created awake, "
         "inserted, put to sleep), the alias moved, the old version's tenants put to sleep, "
         "the new version's woken; no read of the source, no verification")


def apply_row(what: str, best: str, tenants: int, per_tenant: int, applies: list, raw: Row, floor: Row | None,
              timeout: float) -> Row:
    """The best of `applies` (run_schemactl_within's results) as a row, compared with the raw
    import and the floor (if there is one)."""
    code, seconds, rss, stderr = min(applies, key=lambda a: (a[0] != 0, a[1]))  # the best that finished
    apply = Row(TENANTS_LABEL, f"{what}: (b) schemactl apply --max-write-pause {TENANT_PAUSE} (process; {best}, "
                "the source imported first)", tenants * per_tenant, seconds, rss)
    if code == 0:
        apply.ratio = (f"{seconds / raw.seconds:.1f}× (a)"
                       + (f", {seconds / floor.seconds:.1f}× (c)" if floor else "")
                       + f"; {seconds / tenants * 1000:.1f} ms per tenant"
                       + (f"; runs {', '.join(f'{a[1]:.1f}' for a in applies)} s" if len(applies) > 1 else ""))
    elif code is None:
        apply.ratio = f"did not finish in {timeout:.0f} s on this machine: stopped, no result"
    else:
        last = (stderr.strip().splitlines() or ["(no output)"])[-1]
        apply.ratio = f"apply failed (exit {code}) after {seconds:.0f} s: {last[:300]}"
    return apply


@contextmanager
def source_server(endpoint: str, tenants: int, per_tenant: int, hot: int, seed: int,
                  schemas: Path) -> Iterator[tuple]:
    """(server, schemas) of a fresh server holding Bench_v1 behind alias Bench, made by schemactl
    from `schemas` and filled; the file then asks for a distance change; the disk settled."""
    schemas.mkdir()
    (schemas / "c.yaml").write_text(tenant_yaml(endpoint))
    with fresh_server(schemas.parent, f"{schemas.name}-weaviate") as (server, client):
        run_schemactl(["apply", str(schemas), "--auto-approve"], server)
        import_tenants(client, "Bench_v1", tenants, per_tenant, hot, seed)
        (schemas / "c.yaml").write_text(tenant_yaml(endpoint, "dot"))
        settle_disk()
        yield server, schemas


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """'500x5,1000x20' -> [(500, 5), (1000, 20)]."""
    return [(int(t), int(n)) for t, n in (size.lower().split("x") for size in text.split(",") if size.strip())]


IO_SETTLED = 2.0  # % of the last 10 s some task waited for I/O (/proc/pressure/io): the disk is quiet
IO_SETTLE_LIMIT = 120.0  # seconds to wait for it at most


def settle_disk() -> None:
    """Flush and wait until the disk is quiet (as the kernel sees it) before a timed run. This
    machine's disk is mounted with `discard`, and a tenant row leaves gigabytes to delete. It
    does not remove all of the variance: the same 1,000 x 20 apply measured 25.8-29.9 s, and once
    56.2 s, right after another run's data was deleted; hence the best of RUNS."""
    started = time.monotonic()
    os.sync()
    pressure = Path("/proc/pressure/io")
    while pressure.exists() and time.monotonic() - started < IO_SETTLE_LIMIT:
        some = float(pressure.read_text().split()[1].split("=")[1])  # "some avg10=..."
        if some < IO_SETTLED:
            break
        time.sleep(1)


@contextmanager
def fresh_server(workdir: Path, name: str, env: dict[str, str] | None = None) -> Iterator[tuple]:
    """(server, client) of a Weaviate of its own, its data deleted afterwards. The tenant rows
    start one for each run: a server that has created and dropped tenants before gets slower at
    it (measured, five raw imports of 1,000 x 20 one after another on one v1.39.3 server: 6.4,
    9.5, 12.2, 16.1, 15.5 s, its CPU time 6.6 -> 19.4 s; iowait 0.1 s each), so a run would pay
    for the runs before it."""
    server = testbed.start(workdir / name, env=env)
    client = weaviate.connect_to_local(host="127.0.0.1", port=server.ports.http, grpc_port=server.ports.grpc)
    try:
        yield server, client
    finally:
        client.close()
        server.stop()
        shutil.rmtree(workdir / name, ignore_errors=True)


def bench_tenants(endpoint: str, sizes: list[tuple[int, int]], many: int, workdir: Path,
                  runs: int = RUNS) -> list[Row]:
    """Recreates of multi-tenant collections against a raw import of the same tenants and objects,
    whole processes, each run on a server of its own: per-tenant cost as tenants grow, and `many`
    tenants of which 95% are COLD."""
    rows: list[Row] = []
    per_tenant: dict[int, float] = {}  # tenants -> apply seconds per tenant, 5 objects each
    for tenants, objects in sizes:
        raw, apply, *floor = tenant_recreate(endpoint, tenants, objects, tenants, workdir, TENANT_TIMEOUT, runs)
        rows += [raw, apply, *floor]
        if objects == 5 and "ms per tenant" in apply.ratio:
            per_tenant[tenants] = apply.seconds / tenants
        print(table(rows), flush=True)
    if len(per_tenant) >= 2:
        low, high = min(per_tenant), max(per_tenant)
        rows.append(Row(TENANTS_LABEL, f"per-tenant apply time, {high:,} vs {low:,} tenants × 5", 0, 0,
                        ratio=f"{per_tenant[high] / per_tenant[low]:.2f}× ({per_tenant[high] * 1000:.1f} vs "
                              f"{per_tenant[low] * 1000:.1f} ms per tenant)"))
    if many:
        rows += tenant_recreate(endpoint, many, 5, max(1, many // 20), workdir, TENANT_TIMEOUT, runs=1)
        print(table(rows), flush=True)
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| benchmark | variant | objects | seconds | objects/s | peak RSS | ratio |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        rss = f"{r.peak_rss_mb:.0f} MB" if r.peak_rss_mb else ""
        lines.append(f"| {r.benchmark} | {r.variant} | {r.objects:,} | {r.seconds:.2f} | {r.rate:,.0f} | {rss} | {r.ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (2k and 10k)")
    parser.add_argument("--only", choices=("copy", "plan", "writes", "reindex", "backfill", "rename", "real",
                                           "cluster", "tenants"),
                        help="run one part (the table holds only it)")
    parser.add_argument("--tenant-sizes", default=TENANT_SIZES,
                        help=f"tenants x objects of the multi-tenant recreates (default {TENANT_SIZES})")
    parser.add_argument("--runs", type=int, default=RUNS,
                        help="raw imports and applies per tenant size, each on a fresh server (the best is compared)")
    parser.add_argument("--many-tenants", type=int, default=MANY_TENANTS,
                        help=f"tenants of the 95%%-COLD row (default {MANY_TENANTS:,}; 0 leaves it out)")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results.md",
                        help="where the table goes (default bench/results.md)")
    parser.add_argument("--raw-tenants", help=argparse.SUPPRESS)  # the raw import's own process
    parser.add_argument("--floor-tenants", help=argparse.SUPPRESS)  # the bound's floor's own process
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.raw_tenants:
        raw_tenant_import(json.loads(args.raw_tenants))
        return
    if args.floor_tenants:
        floor_tenant_migration(json.loads(args.floor_tenants))
        return
    small, large = (2_000, 10_000) if args.quick else (10_000, 100_000)

    workdir = Path(tempfile.mkdtemp(prefix="schemactl-bench-"))
    embedder = subprocess.Popen([sys.executable, "-m", "schemactl.dev.serve", "--port", "0"],
                                stdout=subprocess.PIPE, text=True)
    embedder_url = re.search(r"http://127\.0\.0\.1:\d+", embedder.stdout.readline()).group(0)
    rows: list[Row] = []
    try:
        with ExitStack() as shared:
            # the tenant rows start servers of their own; the other parts share this one
            server, client = (shared.enter_context(fresh_server(workdir, "weaviate", REINDEX_ON)) if args.only != "tenants"
                              else (None, None))
            if args.only in (None, "copy"):
                rows += bench_copies(client, server, embedder_url, small, large, workdir)
            if args.only in (None, "plan"):
                rows += bench_plan(client, server, workdir)
            if args.only in (None, "writes"):
                rows += bench_live_writes(client, server, embedder_url, workdir)
            if args.only in (None, "reindex"):
                rows += bench_reindex(client, server, f"{embedder_url}/models/words-{DIMS}", large, workdir)
            if args.only in (None, "backfill"):
                rows += bench_backfill(client, server, embedder_url, small, workdir)
            if args.only in (None, "rename"):
                rows += bench_rename(client, server, embedder_url, large, workdir)
            if args.only in (None, "real"):
                rows += bench_real_model(client, server, embedder_url, small, workdir)
            if args.only in (None, "cluster"):
                rows += bench_cluster(server, f"{embedder_url}/models/words-{DIMS}", small, workdir)
            if args.only in (None, "tenants"):
                rows += bench_tenants(f"{embedder_url}/models/words-{DIMS}", parse_sizes(args.tenant_sizes),
                                      args.many_tenants, workdir, args.runs)
    finally:
        embedder.terminate()
        embedder.wait()
        embedder.stdout.close()
        shutil.rmtree(workdir, ignore_errors=True)
    results = args.results
    text = (f"Weaviate {testbed.WEAVIATE_VERSION} on 127.0.0.1, {os.cpu_count()} CPUs, {DIMS}-dim vectors, "
            f"page {os.environ.get('SCHEMACTL_COPY_PAGE', '500')}, writers {os.environ.get('SCHEMACTL_COPY_WRITERS', '4')}\n\n"
            + table(rows) + "\n")
    if args.only and results.exists():
        text = with_rows_replaced(results.read_text(), rows, PARTS[args.only])
    results.write_text(text)
    print(text)


PARTS = {"copy": ("copy,", "re-embed", "memory"), "plan": ("plan,",),
         "writes": ("migration under writes", "highest write rate"), "reindex": ("tokenization change",),
         "backfill": ("add a named vector",), "rename": ("property rename",), "real": ("real model",), "cluster": ("copy on a cluster",),
         "tenants": ("tenants,",)}


def with_rows_replaced(text: str, rows: list[Row], prefixes: tuple[str, ...]) -> str:
    """The results table with one part's rows swapped for a new run's (--only)."""
    lines = text.rstrip("\n").split("\n")
    ours = [i for i, line in enumerate(lines) if line.startswith(tuple(f"| {p}" for p in prefixes))]
    separator = next((i for i, line in enumerate(lines) if line.startswith("|---")), 0)
    at = max(ours[0] if ours else len(lines), separator + 1)  # rows never above the table's header
    kept = [line for i, line in enumerate(lines) if i not in ours]
    return "\n".join(kept[:at] + table(rows).split("\n")[2:] + kept[at:]) + "\n"


if __name__ == "__main__":
    main()
