#!/usr/bin/env bash
# Restore an Abri backup made by deploy/backup.sh, with the services stopped.
#
#   DATABASE_URL=postgres://abri@127.0.0.1:5432/abri ABRI_DATA_DIR=/var/lib/abri \
#     deploy/restore.sh /var/backups/abri/abri-20261203-020000.dump /var/backups/abri/abri-20261203-020000-data.tgz
#
# The database named in DATABASE_URL must exist (createdb); what it holds is replaced, in one
# transaction: on any error it is left as it was. The data folder is unpacked beside
# ABRI_DATA_DIR, then swapped in; the folder it replaces is kept as ABRI_DATA_DIR.before-restore-STAMP.
# The backup never holds the field key: a key file in the current data folder is carried over,
# otherwise put it back from where it is kept apart before starting Abri.
set -euo pipefail
umask 077

fail() { echo "restore.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || [ $# -eq 2 ] || fail "usage: restore.sh DUMP [DATA_ARCHIVE] (with DATABASE_URL and ABRI_DATA_DIR set)"
dump=$1
archive=${2:-}
[ -f "$dump" ] || fail "no dump file at $dump"
[ -z "$archive" ] || [ -f "$archive" ] || fail "no data archive at $archive"
[ -n "${DATABASE_URL:-}" ] || fail "DATABASE_URL is not set (postgres://user@host:5432/name)"
case $DATABASE_URL in
  postgres://*|postgresql://*) ;;
  *) fail "DATABASE_URL must be a PostgreSQL URL (postgres://...), got '${DATABASE_URL%%://*}://...'" ;;
esac
if [ -n "$archive" ]; then
  [ -n "${ABRI_DATA_DIR:-}" ] || fail "ABRI_DATA_DIR is not set (where to unpack $archive)"
  tar --list --gzip --file="$archive" > /dev/null || fail "$archive is not a data archive made by backup.sh"
fi
pg_restore --list "$dump" > /dev/null || fail "$dump is not a dump made by backup.sh (pg_dump -Fc)"

pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error --no-password \
  --dbname="$DATABASE_URL" "$dump" || fail "pg_restore failed: the database is left as it was"
echo "database restored from $dump"

if [ -n "$archive" ]; then
  parent=$(dirname "$ABRI_DATA_DIR")
  mkdir -p "$parent"
  unpacked=$(mktemp -d "$ABRI_DATA_DIR.restore-XXXXXX")
  trap 'rm -rf "$unpacked"' EXIT
  tar --extract --gzip --file="$archive" --directory="$unpacked" || fail "could not unpack $archive"
  chmod 700 "$unpacked"
  if [ -f "$ABRI_DATA_DIR/field.key" ]; then
    # This installation's key, kept in its data folder: the restored folder keeps it.
    cp -p "$ABRI_DATA_DIR/field.key" "$unpacked/field.key"
    echo "kept this installation's field key ($ABRI_DATA_DIR/field.key)"
  fi
  if [ -f "$ABRI_DATA_DIR/audit.key" ]; then
    cp -p "$ABRI_DATA_DIR/audit.key" "$unpacked/audit.key"
    echo "kept this installation's audit key ($ABRI_DATA_DIR/audit.key)"
  fi
  if [ -e "$ABRI_DATA_DIR" ]; then
    previous="$ABRI_DATA_DIR.before-restore-$(date -u +%Y%m%d-%H%M%S)"
    mv "$ABRI_DATA_DIR" "$previous"
    echo "the data folder it replaces is kept at $previous"
  fi
  mv "$unpacked" "$ABRI_DATA_DIR"
  trap - EXIT
  echo "data folder restored into $ABRI_DATA_DIR"
fi
if [ -z "${ABRI_FIELD_KEY:-}" ] && [ -z "${ABRI_FIELD_KEY_FILE:-}" ] && [ -n "${ABRI_DATA_DIR:-}" ] \
    && [ ! -f "$ABRI_DATA_DIR/field.key" ]; then
  echo "restore.sh: no field key in $ABRI_DATA_DIR: put it back from its own backup BEFORE starting Abri," >&2
  echo "  or Abri creates a new key and the phone and identity numbers of this backup cannot be read." >&2
fi
echo "done: check that the field key is the one of this backup, then start Abri"
