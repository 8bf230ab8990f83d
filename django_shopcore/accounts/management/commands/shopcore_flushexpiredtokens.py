"""``manage.py shopcore_flushexpiredtokens``: delete expired refresh tokens and token families."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from django_shopcore.accounts.tokens import flush_expired_families


class Command(BaseCommand):
    help = (
        "Delete the token families none of whose refresh tokens can still be used, then "
        "the expired outstanding and blacklisted tokens (simplejwt's flushexpiredtokens)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        families = flush_expired_families(batch_size=options["batch_size"])
        # simplejwt's command does not say how many it deletes.
        tokens = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).count()
        call_command("flushexpiredtokens")
        if options["verbosity"] > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Deleted {families:,} token families and {tokens:,} expired "
                    "outstanding tokens."
                )
            )
