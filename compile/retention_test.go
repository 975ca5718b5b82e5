package compile

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSnapshotSchedule(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"0 0 0 * * *", "0 0 12 * * *", true},
		{"0 30 14 * * 1", "0 30 2 * * 1", true},
		{"0 15 */2 * * *", "0 45 */2 * * *", true},
		{"0 */5 * * * *", "0 */5 * * * *", false},
		{"0 0-10 1-3 * * *", "0 0-10 1-3 * * *", false},
	} {
		got, ok := snapshotSchedule(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("snapshotSchedule(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if a, b := retentionSchedule("orders"), retentionSchedule("orders"); a != b || len(strings.Fields(a)) != 5 {
		t.Errorf("retentionSchedule = %q, %q", a, b)
	}
	for in, want := range map[string]int{"30d": 30, "4w": 28, "3m": 90, "1d": 1} {
		if got := retentionDays(in); got != want {
			t.Errorf("retentionDays(%s) = %d, want %d", in, got, want)
		}
	}
}

// TestSnapshotRetentionScript runs the retention script with a fake kubectl
// (no kubelet runs here to run the CronJob) and real date(1): it deletes
// exactly the completed Backups older than the retention, never the newest,
// and only those of its own ScheduledBackup (the label selector it asks for).
func TestSnapshotRetentionScript(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "snapshot-retention.sh")
	if err := os.WriteFile(script, []byte(snapshotRetentionScript), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := `#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_LOG"
case "$*" in
*" get backups.postgresql.cnpg.io --selector cnpg.io/scheduled-backup=orders-snap "*) printf '%s' "$FAKE_LIST" ;;
*" delete backups.postgresql.cnpg.io "*) exit 0 ;;
*) echo "unexpected: $*" >&2; exit 2 ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "kubectl"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ago := func(days int) string { return now.Add(-time.Duration(days) * 24 * time.Hour).Format(time.RFC3339) }
	run := func(list string) (string, []string, int) {
		log := filepath.Join(t.TempDir(), "log")
		c := exec.Command("sh", script)
		c.Env = []string{"PATH=" + dir + ":/usr/bin:/bin", "NAMESPACE=shop", "SCHEDULED_BACKUP=orders-snap",
			"COREDB_RETENTION_DAYS=30", "COREDB_NOW=" + strconv.FormatInt(now.Unix(), 10), "FAKE_LOG=" + log, "FAKE_LIST=" + list}
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		code := 0
		if err := c.Run(); err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatal(err)
			}
			code = ee.ExitCode()
		}
		raw, _ := os.ReadFile(log)
		var deleted []string
		for _, l := range strings.Split(string(raw), "\n") {
			// --namespace shop delete backups.postgresql.cnpg.io NAME --wait=false
			if f := strings.Fields(l); len(f) == 6 && f[2] == "delete" {
				deleted = append(deleted, f[4])
			}
		}
		return out.String(), deleted, code
	}
	out, deleted, code := run(ago(40) + " b-old\n" + ago(31) + " b-31\n" + ago(29) + " b-29\n" + ago(1) + " b-new\n")
	if code != 0 || strings.Join(deleted, ",") != "b-old,b-31" || !strings.Contains(out, "4 completed backups of orders-snap, 2 older than 30 days deleted") {
		t.Errorf("exit %d, deleted %v:\n%s", code, deleted, out)
	}
	// The newest is kept even when it is old.
	out, deleted, code = run(ago(90) + " b-a\n" + ago(60) + " b-b\n")
	if code != 0 || strings.Join(deleted, ",") != "b-a" || !strings.Contains(out, "b-b kept as the newest") {
		t.Errorf("exit %d, deleted %v:\n%s", code, deleted, out)
	}
	out, deleted, code = run("")
	if code != 0 || len(deleted) != 0 || !strings.Contains(out, "no completed backups") {
		t.Errorf("exit %d, deleted %v:\n%s", code, deleted, out)
	}
}
