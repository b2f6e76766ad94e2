#!/usr/bin/env python3
"""Writes the binary log fixtures of test/fixtures/runs/formats/ with the real libraries.

    python3 -m venv /tmp/mixopt-fixtures && /tmp/mixopt-fixtures/bin/pip install tensorboardX tensorboard wandb
    /tmp/mixopt-fixtures/bin/python scripts/make-log-fixtures.py

What writes what:
- TensorBoard event files: tensorboardX 2.6.5 SummaryWriter (add_scalar -> simple_value; add_hparams -> the
  hparams plugin's session_start_info in a sub-folder, as tensorboardX does), and the `tensorboard` package's
  scalar_pb (a scalar *tensor*, what TF2 and torch.utils.tensorboard's new-style scalars write), passed through
  tensorboardX's FileWriter.
- W&B offline runs: wandb 0.30 with WANDB_MODE=offline (the wandb-core service writes run-<id>.wandb).
  On this machine's package mirror opentelemetry-semantic-conventions (a wandb dependency used only for its own
  telemetry names) is missing: a stub module that answers every attribute with a name string is installed in
  sys.meta_path before wandb is imported. It does not touch how the run file is written.
- MLflow SQLite store: mlflow does not install here (not on the package mirror). mlflow.db is therefore built
  with Python's sqlite3 from MLflow's published schema (mlflow/store/tracking/dbmodels/models.py: experiments,
  runs, params, metrics, latest_metrics, tags, experiment_tags, alembic_version), with the values
  mlflow.log_param / log_metric / set_tag write (params and tags as text, metrics with timestamp ms, step, is_nan).

The tests read the committed files and need no Python.
"""
import importlib.abc
import importlib.machinery
import os
import shutil
import sqlite3
import subprocess
import sys
import types

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "runs", "formats")
DOMAINS = ["pile_cc", "github", "arxiv", "wikipedia_en"]
MIXTURES = {
    "a": {"pile_cc": 0.4, "github": 0.3, "arxiv": 0.2, "wikipedia_en": 0.1},
    "b": {"pile_cc": 0.25, "github": 0.25, "arxiv": 0.25, "wikipedia_en": 0.25},
}


def losses(mix, step, scale):
    """A made-up learning curve: lower with more steps, with the domain's weight and with model size."""
    return {f"val_loss/{d}": round((3.2 - 0.6 * mix[d]) * (1 + 200.0 / (step + 200)) / scale, 4) for d in DOMAINS}


class _Name(str):
    def __call__(self, *a, **k):
        return None


class _SemconvStub(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Any opentelemetry.semconv.* module; attributes are name strings (see the docstring)."""

    def find_spec(self, name, path, target=None):
        if name == "opentelemetry.semconv" or name.startswith("opentelemetry.semconv."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        m = types.ModuleType(spec.name)
        m.__path__ = []

        def attr(a):
            if a.startswith("__"):
                raise AttributeError(a)
            if a[0].isupper() and not a.isupper():
                return type(a, (), {"__getattr__": lambda s, n: _Name(n.lower())})()
            return _Name(a.lower().replace("_", "."))

        m.__getattr__ = attr
        return m

    def exec_module(self, module):
        pass


def tensorboard_runs():
    from tensorboardX import SummaryWriter
    from tensorboardX.proto.summary_pb2 import Summary as XSummary
    from tensorboard.plugins.scalar import summary_v2

    base = os.path.join(ROOT, "tb")
    # 1. simple_value scalars + hparams (mixture flattened as data.mixture.<domain>)
    run = os.path.join(base, "tb-a-60M")
    w = SummaryWriter(logdir=run)
    for step in (100, 200, 300, 400, 500):
        for k, v in losses(MIXTURES["a"], step, 1.0).items():
            w.add_scalar(k, v, step)
        w.add_scalar("train/lr", 1e-3, step)
    hp = {f"data.mixture.{d}": wt for d, wt in MIXTURES["a"].items()}
    hp.update({"model.name": "60M", "trainer.max_steps": 500})
    w.add_hparams(hp, {"hparam/val_loss": 2.9}, name="hparams", global_step=500)
    w.close()
    # 2. scalar tensors (TF2 / torch new-style), config from a YAML file beside the events
    run = os.path.join(base, "tb-b-1M")
    w = SummaryWriter(logdir=run)
    for step in (250, 500):
        for k, v in losses(MIXTURES["b"], step, 0.8).items():
            s = XSummary()
            s.ParseFromString(summary_v2.scalar_pb(k, v).SerializeToString())
            w.file_writer.add_summary(s, step)
    w.close()
    with open(os.path.join(run, "config.yaml"), "w") as f:
        f.write("# written by the training script\nmodel:\n  name: 1M\ntrainer:\n  max_steps: 500\ndata:\n  mixture:\n")
        for d, wt in MIXTURES["b"].items():
            f.write(f"    {d}: {wt}\n")
    # 3. metrics but no mixture anywhere: must be reported, not dropped
    run = os.path.join(base, "tb-nomix")
    w = SummaryWriter(logdir=run)
    for k, v in losses(MIXTURES["a"], 500, 1.0).items():
        w.add_scalar(k, v, 500)
    w.close()


def wandb_runs():
    sys.meta_path.insert(0, _SemconvStub())
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    os.environ["WANDB_DIR"] = ROOT
    import wandb

    specs = [
        ("wb-a-60M", {"data": {"mixture": MIXTURES["a"]}, "model": {"name": "60M"}, "trainer": {"max_steps": 500}}, 1.0),
        ("wb-b-1M", {"data": {"mixture": MIXTURES["b"]}, "model": {"name": "1M"}, "trainer": {"max_steps": 500}}, 0.8),
        # the mixture under an unusual key: found only with config.mixture_key: recipe.blend
        ("wb-odd-key", {"recipe": {"blend": MIXTURES["b"]}, "model": {"name": "1M"}, "trainer": {"max_steps": 500}}, 0.8),
        # 500 log calls: a file of several 32 KiB blocks, records split across blocks
        ("wb-long-1B", {"data": {"mixture": MIXTURES["a"]}, "model": {"name": "1B"}, "trainer": {"max_steps": 5000}}, 1.3),
    ]
    for name, config, scale in specs:
        run = wandb.init(project="mixopt-fixtures", name=name, config=config)
        for step in range(10, 5001, 10) if name == "wb-long-1B" else (100, 200, 300, 400, 500):
            mix = config.get("data", {}).get("mixture") or config["recipe"]["blend"]
            row = losses(mix, step, scale)
            row["trainer/global_step"] = step
            run.log(row, step=step)
        run.finish()
    # drop what the tests do not read (debug logs name this machine's paths)
    for d in os.listdir(os.path.join(ROOT, "wandb")):
        p = os.path.join(ROOT, "wandb", d)
        if os.path.islink(p) or not os.path.isdir(p):
            os.remove(p)
            continue
        for sub in ("logs", "tmp"):
            shutil.rmtree(os.path.join(p, sub), ignore_errors=True)


MLFLOW_SCHEMA = """
CREATE TABLE experiments (experiment_id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, name VARCHAR(256) NOT NULL UNIQUE,
  artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT);
CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL PRIMARY KEY, name VARCHAR(250), source_type VARCHAR(20),
  source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9),
  start_time BIGINT, end_time BIGINT, deleted_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20),
  artifact_uri VARCHAR(200), experiment_id INTEGER REFERENCES experiments (experiment_id));
CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32) NOT NULL
  REFERENCES runs (run_uuid), PRIMARY KEY (key, run_uuid));
CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL,
  run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid), step BIGINT DEFAULT '0' NOT NULL,
  is_nan BOOLEAN DEFAULT '0' NOT NULL, PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan));
CREATE TABLE latest_metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL,
  is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid), PRIMARY KEY (key, run_uuid));
CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000), run_uuid VARCHAR(32) NOT NULL
  REFERENCES runs (run_uuid), PRIMARY KEY (key, run_uuid));
CREATE TABLE experiment_tags (key VARCHAR(250) NOT NULL, value VARCHAR(5000), experiment_id INTEGER NOT NULL
  REFERENCES experiments (experiment_id), PRIMARY KEY (key, experiment_id));
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
"""


def mlflow_db():
    path = os.path.join(ROOT, "mlflow", "mlflow.db")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.executescript(MLFLOW_SCHEMA)
    db.execute("INSERT INTO alembic_version VALUES ('1b5f0d9ad7c1')")
    db.execute("INSERT INTO experiments VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 1764547200000, 1764547200000)")
    db.execute("INSERT INTO experiments VALUES (1, 'mix', 'mlflow-artifacts:/1', 'active', 1764547200000, 1764547200000)")
    t0 = 1764547200000
    runs = [
        ("0f1e2d3c4b5a69788796a5b4c3d2e1f0", "ml-a-60M", "FINISHED", "active", MIXTURES["a"], "60M", 1.0),
        ("1a2b3c4d5e6f708192a3b4c5d6e7f809", "ml-b-1M", "RUNNING", "active", MIXTURES["b"], "1M", 0.8),
        ("2b3c4d5e6f708192a3b4c5d6e7f8091a", "ml-deleted", "FINISHED", "deleted", MIXTURES["b"], "1M", 0.8),
    ]
    for i, (uuid, name, status, stage, mix, model, scale) in enumerate(runs):
        end = t0 + 60000 * (i + 1) if status == "FINISHED" else None
        db.execute("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   (uuid, name, "LOCAL", "train.py", "", "user", status, t0, end, None, "", stage, f"mlflow-artifacts:/1/{uuid}/artifacts", 1))
        for d, wt in mix.items():
            db.execute("INSERT INTO params VALUES (?,?,?)", (f"data.mixture.{d}", str(wt), uuid))
        db.execute("INSERT INTO params VALUES (?,?,?)", ("model.name", model, uuid))
        db.execute("INSERT INTO params VALUES (?,?,?)", ("trainer.max_steps", "500", uuid))
        db.execute("INSERT INTO tags VALUES (?,?,?)", ("mlflow.runName", name, uuid))
        last = 500 if status == "FINISHED" else 300
        for step in range(100, last + 1, 100):
            for k, v in losses(mix, step, scale).items():
                db.execute("INSERT INTO metrics VALUES (?,?,?,?,?,?)", (k, v, t0 + step, uuid, step, 0))
        for k, v in losses(mix, last, scale).items():
            db.execute("INSERT INTO latest_metrics VALUES (?,?,?,?,?,?)", (k, v, t0 + last, last, 0, uuid))
    db.commit()
    db.close()


def main():
    for sub in ("tb", "wandb", "mlflow"):
        shutil.rmtree(os.path.join(ROOT, sub), ignore_errors=True)
    os.makedirs(ROOT, exist_ok=True)
    tensorboard_runs()
    mlflow_db()
    # wandb in a child process: its service keeps threads that outlive finish()
    subprocess.run([sys.executable, os.path.abspath(__file__), "--wandb-only"], check=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--wandb-only":
        wandb_runs()
    else:
        main()
