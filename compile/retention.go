package compile

import (
	_ "embed"
	"hash/fnv"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Volume-snapshot backups and their retention.
//
// CloudNativePG applies spec.backup.retentionPolicy to the object store only
// and keeps volume snapshots forever (cloudnativepg.md §1.9); Tembo's
// operator deleted them after VOLUME_SNAPSHOT_RETENTION_PERIOD_DAYS
// (tembo-operator.md §1). coredb renders a CronJob that deletes the Backup
// objects of the snapshot schedule older than the spec's retention (their
// VolumeSnapshots go with them: snapshotOwnerReference backup), always
// keeping the newest, with a Role that may only read and delete Backups.
// The Backups belong to no one else (backupOwnerReference none), so
// removing the schedule or the Cluster from Git never deletes a snapshot.

//go:embed scripts/snapshot-retention.sh
var snapshotRetentionScript string

const componentRetention = "snapshot-retention"

// retentionDays turns CNPG's retention (30d, 4w, 3m) into days; a month
// counts 30 days.
func retentionDays(r string) int {
	n, err := strconv.Atoi(r[:len(r)-1])
	if err != nil {
		return 30
	}
	switch r[len(r)-1] {
	case 'w':
		return n * 7
	case 'm':
		return n * 30
	}
	return n
}

// snapshotSchedule moves the volume-snapshot schedule away from the
// object-store backup's: both read the whole volume, so at the same instant
// they compete for I/O and the snapshot waits on the base backup's
// checkpoint. Twelve hours later when the schedule names an hour, else 30
// minutes later when it names a minute; ok is false when neither is a
// single number (*/5, ranges, lists).
func snapshotSchedule(sixField string) (string, bool) {
	f := strings.Fields(sixField)
	if len(f) != 6 {
		return sixField, false
	}
	if h, err := strconv.Atoi(f[2]); err == nil && h >= 0 && h < 24 {
		f[2] = strconv.Itoa((h + 12) % 24)
		return strings.Join(f, " "), true
	}
	if m, err := strconv.Atoi(f[1]); err == nil && m >= 0 && m < 60 {
		f[1] = strconv.Itoa((m + 30) % 60)
		return strings.Join(f, " "), true
	}
	return sixField, false
}

// retentionSchedule is when the retention CronJob runs: once a day, at a
// minute taken from the Cluster's name, so a fleet does not all run at
// midnight.
func retentionSchedule(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	v := h.Sum32()
	return sprintf("%d %d * * *", v%60, (v/60)%24)
}

// snapshotRetention emits the CronJob, its script and its RBAC for the
// snapshot ScheduledBackup sb.
func (b *build) snapshotRetention(sb string) {
	// A CronJob's name has room for 52 characters: its Jobs add 11.
	base := b.db.Metadata.Name
	if room := 52 - len("-snap-retention"); len(base) > room {
		base = strings.TrimRight(base[:room], "-")
	}
	name := base + "-snap-retention"
	image := b.opts.TrunkJobImage
	if image == "" {
		image = DefaultTrunkJobImage
	}
	days := retentionDays(b.retentionPolicy())

	cmMeta := b.objectMeta(name, componentRetention)
	b.add(&corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: cmMeta,
		Data:       map[string]string{"snapshot-retention.sh": snapshotRetentionScript},
	})
	saMeta := b.objectMeta(name, componentRetention)
	b.add(&corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   saMeta,
		AutomountServiceAccountToken: ptr(false),
	})
	b.add(&rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: b.objectMeta(name, componentRetention),
		// Backups only: list them (by label; RBAC cannot restrict a
		// list to a label) and delete the old ones the script picks.
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"postgresql.cnpg.io"}, Resources: []string{"backups"}, Verbs: []string{"get", "list", "delete"}}},
	})
	b.add(&rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: b.objectMeta(name, componentRetention),
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: b.namespace}},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
	})
	ctr := corev1.Container{
		Name:    componentRetention,
		Image:   image,
		Command: []string{"/bin/sh", "/coredb/snapshot-retention.sh"},
		Env: []corev1.EnvVar{
			{Name: "NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
			envValue("SCHEDULED_BACKUP", sb),
			envValue("COREDB_RETENTION_DAYS", strconv.Itoa(days)),
			envValue("HOME", "/tmp"),
		},
		Resources:    smallResources("200m", "128Mi"),
		VolumeMounts: []corev1.VolumeMount{{Name: "coredb", MountPath: "/coredb", ReadOnly: true}},
	}
	vol := configMapVolume()
	vol.ConfigMap.Name = name
	job := b.jobSpec(componentRetention, 600, nobodyUID, ctr, []corev1.Volume{vol}, true, name)
	b.add(&batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: b.objectMeta(name, componentRetention),
		Spec: batchv1.CronJobSpec{
			Schedule:                   retentionSchedule(b.db.Metadata.Name),
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			Suspend:                    ptr(b.stopped()),
			SuccessfulJobsHistoryLimit: ptr(int32(1)),
			FailedJobsHistoryLimit:     ptr(int32(3)),
			JobTemplate:                batchv1.JobTemplateSpec{Spec: job},
		},
	})
}
