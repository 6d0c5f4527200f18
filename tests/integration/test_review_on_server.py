"""The pull-request workflow's commands against the real server: validate, plan as a markdown
comment saved for the commit, policies that refuse, overrides that allow, apply of the saved plan."""
from __future__ import annotations

from datetime import date, timedelta

from click.testing import CliRunner
from weaviate.classes.data import DataObject

from schemactl.cli import cli
from tests.integration.conftest import edit


def test_the_review_workflow_commands_with_a_policy_and_an_override(client, cli_run, files, tmp_path):
    assert cli_run("apply", str(files), "--auto-approve").exit_code == 0
    notes = client.collections.use("Note").with_tenant("acme")
    assert not notes.data.insert_many([DataObject({"text": f"note {i}"}, vector=[0.1] * 64) for i in range(3)]).errors
    edit(files / "article.yaml", "  ef: 128", "  ef: 200")
    (files / "note.yaml").unlink()  # Note goes: destructive
    policy = tmp_path / "schemactl.yaml"
    policy.write_text("policy:\n  allowDestructive: false\n")
    migrations = tmp_path / "migrations"
    migrations.mkdir()

    # on the pull request: validate, plan (markdown comment, saved plan)
    assert CliRunner().invoke(cli, ["validate", str(files)]).exit_code == 0
    comment = cli_run("plan", str(files), "--prune", "--format", "markdown", "--policy", str(policy),
                      "--out", str(migrations) + "/")
    assert comment.exit_code == 1  # the policy fails the check
    assert comment.stdout.startswith("<!-- schemactl-plan -->\n### schemactl plan for ")
    assert "> **Policy:** delete Note is destructive and the policy does not allow destructive changes " \
           "(override: `delete Note`)" in comment.stdout
    assert "| delete (destructive) | 3 |" in comment.stdout and "| in place |" in comment.stdout
    assert "delete collection Note_v1 and all its 3 object(s) (destructive)" in comment.stdout  # what a reviewer weighs
    assert "error: the plan breaks the policy in" in comment.stderr
    [saved] = list(migrations.iterdir())
    drift = cli_run("plan", str(files), "--prune", "--policy", str(policy), "--detailed-exitcode")
    assert drift.exit_code == 2 and "policy: delete Note is destructive" in drift.stderr  # drift, the policy shown

    # on merge: apply the saved plan; the policy refuses it before any change
    refused = cli_run("apply", str(saved), "--auto-approve", "--allow-destructive", "--policy", str(policy))
    assert refused.exit_code == 1 and "refused by the policy" in refused.stderr
    assert "nothing was applied" in refused.stderr
    assert client.collections.exists("Note_v1")

    # an override, dated within 30 days, allows that one change
    until = (date.today() + timedelta(days=7)).isoformat()
    policy.write_text(f"policy:\n  allowDestructive: false\noverrides:\n  - change: delete Note\n"
                      f"    until: {until}\n    reason: Note moved to another cluster\n")
    allowed = cli_run("plan", str(files), "--prune", "--format", "markdown", "--policy", str(policy))
    assert allowed.exit_code == 0, allowed.output
    assert f"allowed until {until} by the override for `delete Note` (Note moved to another cluster)" in allowed.stdout
    # requireFreshPlan: the files themselves are refused; the reviewed saved plan is applied
    policy.write_text(policy.read_text().replace("policy:\n", "policy:\n  requireFreshPlan: true\n"))
    direct = cli_run("apply", str(files), "--auto-approve", "--allow-destructive", "--policy", str(policy))
    assert direct.exit_code == 1 and "requires a reviewed plan (requireFreshPlan)" in direct.stderr
    applied = cli_run("apply", str(saved), "--auto-approve", "--allow-destructive", "--policy", str(policy))
    assert applied.exit_code == 0, applied.output
    assert not client.collections.exists("Note_v1")
    assert client.collections.get("Article").config.get().vector_index_config.ef == 200
