"""Words for the codes stored with backup runs (shown on the admin page)."""
from app.i18n import lazy_gettext as _l, lazy_pgettext

STATUS = {
    "running": _l("Running"),
    "ok": _l("Succeeded"),
    "partial": _l("Some places failed"),
    "failed": _l("Failed"),
    "local_only": _l("Kept on the Pi only"),
    "interrupted": _l("Interrupted"),
    "pending": lazy_pgettext("backup result", "Waiting"),
}

TRIGGER = {
    "scheduled": _l("Nightly"),
    "catch_up": _l("Catch-up"),
    "manual": _l("Back up now"),
    "upgrade": _l("Before an upgrade"),
    "cli": _l("Command line"),
}

PHASE = {
    "": _l("Starting"),
    "snapshot": _l("Copying the database"),
    "check": _l("Checking the copy"),
    "encrypt": _l("Compressing and encrypting"),
    "upload": _l("Sending to the backup places"),
    "tidy": _l("Removing old copies"),
    "done": _l("Finished"),
    "failed": _l("Failed"),
}

PROBLEM = {
    "no_recipients": _l("No public key is set (KITUO_BACKUP_RECIPIENTS), so backups cannot be "
                        "encrypted and none are made."),
    "recipients_file_missing": _l("The file of public keys named in KITUO_BACKUP_RECIPIENTS "
                                  "does not exist."),
    "recipient_invalid": _l("A public key in KITUO_BACKUP_RECIPIENTS is not a valid age key "
                            "(it must start with age1)."),
    "no_destinations": _l("No backup place is set (KITUO_BACKUP_DESTINATIONS): the encrypted "
                          "copy stays on the Pi, where a theft or a broken card loses it."),
    "time_invalid": _l("KITUO_BACKUP_TIME must look like 02:00."),
    "retention_invalid": _l("KITUO_BACKUP_RETENTION must look like 7,4,12."),
    "integrity_check_failed": _l("The database copy failed its integrity check."),
    "all_destinations_failed": _l("No backup place could be reached."),
    "some_destinations_failed": _l("Some backup places could not be reached."),
    "unexpected_error": _l("Something unexpected went wrong; see the worker's log."),
    "interrupted": _l("The backup stopped before it finished (the Pi lost power or the backup "
                      "was stopped). Nothing unencrypted was left behind; the next backup runs "
                      "as usual."),
    "usb_not_mounted": _l("USB drive not mounted: this folder is on the Pi's own card, not on a "
                          "drive of its own. Plug in the backup drive (or mount it) and try "
                          "again."),
    "disk_full": _l("The disk is full: the backup could not be written."),
}

VERIFIED = {
    "sha256": _l("checksum (SHA-256)"),
    "sha1": _l("checksum (SHA-1)"),
    "md5": _l("checksum (MD5)"),
    "size": _l("file size"),
    "": "—",
}
