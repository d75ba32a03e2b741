"""``schakel retention run [--dry-run] [--json]``: apply the retention policies once.

For cron or a systemd timer when the web process does not run the scheduler
(``SCHAKEL_RETENTION_INTERVAL_MINUTES``). Exit 0 after a run, also when nothing
expired; 1 when the database or the settings are unusable.
"""

from typing import Annotated

import typer

from schakel.cli._common import err_console, write_json

retention_app = typer.Typer(help="Bewaartermijnen toepassen.", no_args_is_help=True)


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Alleen tonen wat verloopt; niets wissen."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Uitkomst als JSON op stdout.")
    ] = False,
) -> None:
    """Wis of anonimiseer wat verlopen is (één auditregel per ronde)."""
    from schakel.cli.platform import _store
    from schakel.services import retention
    from schakel.services.keys import KeyMaterial
    from schakel.settings import get_settings

    _, factory = _store()
    keys = KeyMaterial.from_settings(get_settings())
    result = retention.run_system(factory, keys, dry_run=dry_run)
    counts = result.counts()
    if as_json:
        write_json(
            {
                "dry_run": dry_run,
                "policies_version": result.policies_version,
                "counts": counts,
                "audit_seq": result.audit_seq,
                "expired": [
                    {
                        "policy": d.policy_id,
                        "record_type": d.record_type,
                        "record_id": d.record_id,
                        "expires_at": d.expires_at.isoformat(timespec="seconds"),
                    }
                    for d in result.expired
                ],
            }
        )
        return
    if not counts:
        err_console.print("Bewaartermijnen: niets verlopen.")
        return
    verb = "zou wissen" if dry_run else "gewist of geanonimiseerd"
    for policy, count in sorted(counts.items()):
        err_console.print(f"{policy}: {count} {verb}")
    if result.audit_seq is not None:
        err_console.print(f"Vastgelegd in auditregel {result.audit_seq}.")


def register(app: typer.Typer) -> None:
    """Add the retention commands to ``app``."""
    app.add_typer(retention_app, name="retention")
