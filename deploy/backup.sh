#!/usr/bin/env bash
# Back up an Abri installation on PostgreSQL: the database (pg_dump -Fc) and the data folder.
#
#   DATABASE_URL=postgres://abri@127.0.0.1:5432/abri ABRI_DATA_DIR=/var/lib/abri deploy/backup.sh /var/backups/abri
#
# Writes, readable by the owner only:
#   DEST/abri-YYYYMMDD-HHMMSS.dump      the database, PostgreSQL's custom format (pg_restore reads it)
#   DEST/abri-YYYYMMDD-HHMMSS-data.tgz  the data folder, without the field and audit keys and the collected static files
# Each file appears whole or not at all (written under a temporary name, renamed at the end).
# The field key (ABRI_FIELD_KEY, ABRI_FIELD_KEY_FILE or DATA/field.key) is never in the backup:
# keep it apart (docs/operations.md), or the encryption of phone and identity numbers protects nothing.
# Nor is the audit key (ABRI_AUDIT_KEY or DATA/audit.key): with it, whoever holds a dump could reseal
# a rewritten audit log.
set -euo pipefail
umask 077

fail() { echo "backup.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || fail "usage: backup.sh DESTINATION_FOLDER (with DATABASE_URL and ABRI_DATA_DIR set)"
destination=$1
[ -n "${DATABASE_URL:-}" ] || fail "DATABASE_URL is not set (postgres://user@host:5432/name)"
case $DATABASE_URL in
  postgres://*|postgresql://*) ;;
  *) fail "DATABASE_URL must be a PostgreSQL URL (postgres://...), got '${DATABASE_URL%%://*}://...'" ;;
esac
[ -n "${ABRI_DATA_DIR:-}" ] || fail "ABRI_DATA_DIR is not set (the data folder of the installation)"
[ -d "$ABRI_DATA_DIR" ] || fail "ABRI_DATA_DIR: no folder at $ABRI_DATA_DIR"
mkdir -p "$destination" || fail "cannot create the destination folder $destination"

stamp=$(date -u +%Y%m%d-%H%M%S)
dump="$destination/abri-$stamp.dump"
archive="$destination/abri-$stamp-data.tgz"
[ ! -e "$dump" ] && [ ! -e "$archive" ] || fail "a backup named abri-$stamp already exists in $destination"
partial_dump="$dump.partial"
partial_archive="$archive.partial"
trap 'rm -f "$partial_dump" "$partial_archive"' EXIT

pg_dump --format=custom --no-password --dbname="$DATABASE_URL" --file="$partial_dump" \
  || fail "pg_dump failed: nothing written"
tar --create --gzip --file="$partial_archive" --directory="$ABRI_DATA_DIR" \
  --exclude=./field.key --exclude=./audit.key --exclude=./static --exclude='./abri.sqlite3*' . \
  || fail "could not archive the data folder $ABRI_DATA_DIR: nothing written"

mv "$partial_dump" "$dump"
mv "$partial_archive" "$archive"
trap - EXIT
echo "$dump"
echo "$archive"
