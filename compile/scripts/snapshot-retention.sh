#!/bin/sh
# snapshot-retention.sh: the script of coredb's volume-snapshot retention
# CronJob. CloudNativePG keeps volume-snapshot backups forever
# (spec.backup.retentionPolicy applies to the object store only); this
# deletes the Backup objects of one ScheduledBackup that completed more than
# COREDB_RETENTION_DAYS days ago. Their VolumeSnapshots go with them
# (snapshotOwnerReference: backup). The newest completed backup is always
# kept, however old, so a Cluster whose schedule stopped is never left
# without a snapshot.
#
# Environment: NAMESPACE, SCHEDULED_BACKUP (the cnpg.io/scheduled-backup
# label of the Backups), COREDB_RETENTION_DAYS, COREDB_NOW (seconds since
# the epoch; tests only).
set -u
set -f

say() { printf '%s\n' "$*"; }
die() {
  printf 'snapshot-retention: error: %s\n' "$*" >&2
  exit 1
}

case ${COREDB_RETENTION_DAYS:-} in
'' | *[!0-9]*) die "COREDB_RETENTION_DAYS must be a whole number of days" ;;
esac
[ -n "${SCHEDULED_BACKUP:-}" ] || die "SCHEDULED_BACKUP is not set"
now=${COREDB_NOW:-$(date +%s)}
cutoff=$((now - COREDB_RETENTION_DAYS * 86400))

# One line per completed Backup: stoppedAt name (RFC 3339 sorts by time).
list=$(kubectl --namespace "$NAMESPACE" get backups.postgresql.cnpg.io \
  --selector "cnpg.io/scheduled-backup=$SCHEDULED_BACKUP" \
  --output 'go-template={{range .items}}{{if and (eq .status.phase "completed") .status.stoppedAt}}{{.status.stoppedAt}} {{.metadata.name}}{{"\n"}}{{end}}{{end}}') ||
  die "cannot list the Backups of ScheduledBackup $SCHEDULED_BACKUP"
list=$(printf '%s\n' "$list" | sed '/^$/d' | sort)
total=$(printf '%s\n' "$list" | sed '/^$/d' | wc -l)
if [ "$total" -eq 0 ]; then
  say "no completed backups of $SCHEDULED_BACKUP yet"
  exit 0
fi
newest=$(printf '%s\n' "$list" | tail -n 1 | cut -d' ' -f2)

deleted=0
failed=0
while read -r stopped name; do
  [ -n "$name" ] || continue
  [ "$name" != "$newest" ] || continue
  at=$(date -u -d "$stopped" +%s 2>/dev/null) || {
    say "skipping $name: cannot read its time $stopped"
    continue
  }
  [ "$at" -lt "$cutoff" ] || continue
  if kubectl --namespace "$NAMESPACE" delete backups.postgresql.cnpg.io "$name" --wait=false; then
    deleted=$((deleted + 1))
  else
    failed=$((failed + 1))
  fi
done <<EOF
$list
EOF
say "summary: $total completed backups of $SCHEDULED_BACKUP, $deleted older than $COREDB_RETENTION_DAYS days deleted, $failed failed, $newest kept as the newest"
[ "$failed" -eq 0 ]
