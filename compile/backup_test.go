package compile

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	pgtime "github.com/cloudnative-pg/machinery/pkg/postgres/time"
	batchv1 "k8s.io/api/batch/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// TestCronSchedule checks the schedule parser against robfig/cron v1's
// rules, which CNPG's ScheduledBackup webhook applies (six fields, seconds
// first): what it accepts is kept, five fields get a seconds field, and
// what it rejects is an error. The same cases were run against
// robfig/cron v1.2.0 itself (see docs/backup-pooler-metrics.md).
func TestCronSchedule(t *testing.T) {
	valid := map[string]string{
		"0 0 * * *":                "0 0 0 * * *",
		"17 9 * * *":               "0 17 9 * * *",
		"*/5 * * * *":              "0 */5 * * * *",
		"0 9 * * 1-5":              "0 0 9 * * 1-5",
		"0 9 * * MON-FRI":          "0 0 9 * * MON-FRI",
		"0 9 * * mon,wed,fri":      "0 0 9 * * mon,wed,fri",
		"0 0 1 jan,Jul *":          "0 0 0 1 jan,Jul *",
		"15 3 1-7 * SUN":           "0 15 3 1-7 * SUN",
		"0 0-23/2 * * *":           "0 0 0-23/2 * * *",
		"5/15 * * * *":             "0 5/15 * * * *",
		"0 0 ? * *":                "0 0 0 ? * *",
		"0 0 0 * * *":              "0 0 0 * * *",
		"30 */10 * * * *":          "30 */10 * * * *",
		"59 59 23 31 12 6":         "59 59 23 31 12 6",
		"  0\t2 * *  *  ":          "0 0 2 * * *",
		"0 0 1,15 * *":             "0 0 0 1,15 * *",
		"0 0 * feb-dec/2 sat":      "0 0 0 * feb-dec/2 sat",
		"00 02 * * *":              "0 00 02 * * *",
		"@daily":                   "0 0 0 * * *",
		"@midnight":                "0 0 0 * * *",
		"@hourly":                  "0 0 * * * *",
		"@weekly":                  "0 0 0 * * 0",
		"@monthly":                 "0 0 0 1 * *",
		"@yearly":                  "0 0 0 1 1 *",
		"@annually":                "0 0 0 1 1 *",
		"0 0 0 1-31/10 1-12/3 0-6": "0 0 0 1-31/10 1-12/3 0-6",
	}
	for in, want := range valid {
		got, err := cronSchedule(in)
		if err != nil || got != want {
			t.Errorf("cronSchedule(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	invalid := map[string]string{
		"":                      "has 0 fields",
		"* * * *":               "has 4 fields",
		"0 0 0 * * * 2024":      "has 7 fields",
		"61 0 0 * * *":          "second field: \"61\" is out of range 0-59",
		"60 * * * *":            "minute field: \"60\" is out of range 0-59",
		"0 60 * * *":            "hour field: \"60\" is out of range 0-23",
		"0 24 * * *":            "hour field: \"24\" is out of range 0-23",
		"0 0 0 * *":             "day of month field: \"0\" is out of range 1-31",
		"0 0 32 * *":            "day of month field: \"32\" is out of range 1-31",
		"0 0 * 13 *":            "month field: \"13\" is out of range 1-12",
		"0 0 * * 7":             "day of week field: \"7\" is out of range 0-6",
		"0 0 * * MON-FOO":       "day of week field: \"FOO\" is not a number or a day name",
		"0 0 * * MONDAY":        "is not a number or a day name",
		"0 0 * JANUARY *":       "is not a number or a month name",
		"0 0 MON * *":           "day of month field: \"MON\" is not a number",
		"*/0 * * * *":           "step in \"*/0\" must be positive",
		"*/x * * * *":           "step \"x\" in \"*/x\" must be a positive number",
		"*/5/2 * * * *":         "must be a positive number",
		"5-1 * * * *":           "range \"5-1\" starts after it ends",
		"1-2-3 * * * *":         "\"2-3\" is not a number",
		"1,,2 * * * *":          "empty list item",
		"1, * * * *":            "empty list item",
		"*-5 * * * *":           "\"*\" is not a number",
		"+5 * * * *":            "\"+5\" is not a number",
		"-5 * * * *":            "\"\" is not a number",
		"a b c d e":             "minute field: \"a\" is not a number",
		"@every 1h":             "@every intervals are not supported",
		"@every":                "@every intervals are not supported",
		"@reboot":               "unknown descriptor @reboot",
		"@DAILY":                "unknown descriptor @DAILY",
		"CRON_TZ=UTC 0 0 * * *": "second field: \"CRON_TZ=UTC\" is not a number",
		"0 0 99999999999 * *":   "\"99999999999\" is not a number",
		"0 0 L * *":             "day of month field: \"L\" is not a number",
		"0 0 * * 1#2":           "\"1#2\" is not a number",
	}
	for in, want := range invalid {
		got, err := cronSchedule(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("cronSchedule(%q) = %q, %v; want an error containing %q", in, got, err, want)
		}
	}
}

func TestRetention(t *testing.T) {
	for in, want := range map[string]string{
		"":     "30d", // Tembo's default
		"30":   "30d", // Tembo's days
		"1":    "1d",
		"7d":   "7d",
		"4w":   "4w",
		"3m":   "3m",
		"365":  "365d",
		"120d": "120d",
	} {
		if got, ok := retention(in); !ok || got != want {
			t.Errorf("retention(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"0", "0d", "030", "07d", "-1", "30 d", "30D", "30y", "30h", "1.5", "d", "30dd", " 30", "thirty"} {
		if got, ok := retention(in); ok {
			t.Errorf("retention(%q) = %q, want rejected", in, got)
		}
		// and CNPG's pattern agrees
		if retentionPattern.MatchString(in) {
			t.Errorf("%q matches CNPG's retention pattern but was rejected", in)
		}
	}
}

// targetTimes are the recovery target formats Tembo accepted, with the
// instant each means.
var targetTimes = []struct {
	in, out string
	instant time.Time
}{
	{"2024-05-01 13:45:00", "2024-05-01T13:45:00+00:00", time.Date(2024, 5, 1, 13, 45, 0, 0, time.UTC)},
	{"2024-05-01 13:45:00.123456", "2024-05-01T13:45:00.123456+00:00", time.Date(2024, 5, 1, 13, 45, 0, 123456000, time.UTC)},
	{"2024-05-01 13:45:00+05:30", "2024-05-01T13:45:00+05:30", time.Date(2024, 5, 1, 8, 15, 0, 0, time.UTC)},
	{"2024-05-01 13:45:00.5-03:30", "2024-05-01T13:45:00.5-03:30", time.Date(2024, 5, 1, 17, 15, 0, 500000000, time.UTC)},
	{"2024-05-01 13:45:00+05", "2024-05-01T13:45:00+05:00", time.Date(2024, 5, 1, 8, 45, 0, 0, time.UTC)},
	{"2024-05-01 13:45:00.000001-07", "2024-05-01T13:45:00.000001-07:00", time.Date(2024, 5, 1, 20, 45, 0, 1000, time.UTC)},
	{"2024-05-01 13:45:00+0545", "2024-05-01T13:45:00+05:45", time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)},
	{"2024-05-01T13:45:00Z", "2024-05-01T13:45:00+00:00", time.Date(2024, 5, 1, 13, 45, 0, 0, time.UTC)},
	{"2024-05-01T13:45:00.25+05:30", "2024-05-01T13:45:00.25+05:30", time.Date(2024, 5, 1, 8, 15, 0, 250000000, time.UTC)},
	{"2024-05-01T13:45:00", "2024-05-01T13:45:00+00:00", time.Date(2024, 5, 1, 13, 45, 0, 0, time.UTC)},
	{"2024-12-31 23:59:59-12:00", "2024-12-31T23:59:59-12:00", time.Date(2025, 1, 1, 11, 59, 59, 0, time.UTC)},
	{"2024-02-29 00:00:00+14:00", "2024-02-29T00:00:00+14:00", time.Date(2024, 2, 28, 10, 0, 0, 0, time.UTC)},
}

// TestRecoveryTargetTime checks every format, that offsets are kept whole,
// and that what CNPG hands PostgreSQL (machinery's ConvertToPostgresFormat,
// the function CNPG 1.28 runs on targetTime) is the instant the user meant.
func TestRecoveryTargetTime(t *testing.T) {
	for _, tt := range targetTimes {
		got, err := recoveryTargetTime(tt.in)
		if err != nil || got != tt.out {
			t.Errorf("recoveryTargetTime(%q) = %q, %v; want %q", tt.in, got, err, tt.out)
			continue
		}
		pg := pgtime.ConvertToPostgresFormat(got)
		at, err := time.Parse("2006-01-02 15:04:05.999999-07:00", pg)
		if err != nil {
			t.Errorf("%q: CNPG passes %q to PostgreSQL, which does not parse back: %v", tt.in, pg, err)
			continue
		}
		if !at.Equal(tt.instant) {
			t.Errorf("%q: CNPG passes %q to PostgreSQL = %s, want %s", tt.in, pg, at.UTC(), tt.instant)
		}
	}
	for in, want := range map[string]string{
		"":                                "not a timestamp",
		"yesterday":                       "not a timestamp",
		"2024-05-01":                      "not a timestamp",
		"2024-05-01 13:45":                "not a timestamp",
		"2024-13-01 00:00:00":             "not a timestamp",
		"2024-02-30 00:00:00":             "not a timestamp",
		"2023-02-29 00:00:00":             "not a timestamp",
		"2024-05-01 24:00:00":             "not a timestamp",
		"2024-05-01 13:45:00 UTC":         "not a timestamp",
		"2024-05-01 13:45:00 +05:30":      "not a timestamp",
		"2024-05-01 13:45:00+5:30":        "not a timestamp",
		"01/05/2024 13:45:00":             "not a timestamp",
		"2024-05-01 13:45:00.1234567":     "at most 6 fractional digits",
		"2024-05-01T13:45:00.123456789Z":  "at most 6 fractional digits",
		"2024-05-01 13:45:00+16:00":       "up to ±15:59",
		"2024-05-01 13:45:00-16":          "up to ±15:59",
		"2024-05-01 13:45:00+05:30 extra": "not a timestamp",
		"1714571100":                      "not a timestamp",
	} {
		if got, err := recoveryTargetTime(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("recoveryTargetTime(%q) = %q, %v; want an error containing %q", in, got, err, want)
		}
	}
}

// TestPGRecoveryTargetTime asks a real PostgreSQL whether the value CNPG
// passes as recovery_target_time is the instant the user wrote, in a
// session whose time zone is not UTC: the offset coredb writes makes the
// target independent of the server's TimeZone. It also shows the Tembo bug
// coredb fixes: cutting +05:30 to +05 moves the target by 30 minutes.
func TestPGRecoveryTargetTime(t *testing.T) {
	pg := newPGServer(t)
	for _, tt := range targetTimes {
		out, err := recoveryTargetTime(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		passed := pgtime.ConvertToPostgresFormat(out)
		rows := pg.query(t, "postgres", fmt.Sprintf(
			`SET TimeZone = 'America/Caracas'; SELECT to_char(%s::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
			quoteLiteral(passed)))
		if got, want := rows[len(rows)-1][0], tt.instant.UTC().Format("2006-01-02T15:04:05.000000"); got != want {
			t.Errorf("%q: PostgreSQL reads %q as %s UTC, want %s", tt.in, passed, got, want)
		}
	}
	rows := pg.query(t, "postgres", "SELECT extract(epoch FROM '2024-05-01 13:45:00+05'::timestamptz - '2024-05-01 13:45:00+05:30'::timestamptz)")
	if got := rows[len(rows)-1][0]; got != "1800.000000" && got != "1800" {
		t.Errorf("Tembo's truncated offset differs by %s seconds, want 1800", got)
	}
}

// coreDB compiles one CoreDB document and returns its objects, warnings
// and errors (objects only when there is no error).
func coreDB(t *testing.T, src string, opts Options) ([]Object, ErrorList, ErrorList) {
	t.Helper()
	dbs, warns, err := Load("db.yaml", []byte(src))
	if err != nil {
		t.Fatalf("load: %v\n%s", err, src)
	}
	objs, w, err := Compile(dbs, opts)
	warns = append(warns, w...)
	var errs ErrorList
	if err != nil {
		errs = err.(ErrorList)
	}
	return objs, warns, errs
}

// lineOf is the 1-based line of the first line of src containing marker.
func lineOf(t *testing.T, src, marker string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("marker %q not in source", marker)
	return 0
}

// diagCase is an input with the one diagnostic it must produce.
type diagCase struct {
	name    string
	spec    string // the spec: block, indented by two spaces
	opts    Options
	path    string // field path of the diagnostic; "" for a command-line error
	marker  string // text on the line the diagnostic points at
	msg     string // substring of the message
	warning bool
}

func (c diagCase) run(t *testing.T) {
	t.Helper()
	src := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata:\n  name: db\nspec:\n" + c.spec
	_, warns, errs := coreDB(t, src, c.opts)
	list := errs
	if c.warning {
		list = warns
	}
	for _, e := range list {
		if e.Path != c.path || !strings.Contains(e.Msg, c.msg) {
			continue
		}
		if c.marker != "" {
			if line := lineOf(t, src, c.marker); e.Line != line {
				t.Errorf("%s: %s at line %d, want line %d (%q)", c.name, e.Path, e.Line, line, c.marker)
			}
		} else if e.Line != 0 {
			t.Errorf("%s: want no position, got %s", c.name, e.Error())
		}
		return
	}
	t.Errorf("%s: no %s at %q containing %q; got errors:\n%v\nwarnings:\n%v", c.name, map[bool]string{true: "warning", false: "error"}[c.warning], c.path, c.msg, errs, warns)
}

func TestBackupDiagnostics(t *testing.T) {
	keys := "    s3Credentials:\n      accessKeyId: {name: s3, key: id}\n      secretAccessKey: {name: s3, key: secret}\n"
	for _, c := range []diagCase{
		{name: "method", spec: "  backup:\n    destinationPath: s3://b/db\n    method: pluggin\n", path: "spec.backup.method", marker: "method: pluggin", msg: `got "pluggin"`},
		{name: "flag method", spec: "  backup:\n    destinationPath: s3://b/db\n", opts: Options{BackupMethod: "barman"}, path: "", msg: "--backup-method must be barmanObjectStore or plugin"},
		{name: "plugin too old", spec: "  backup:\n    destinationPath: s3://b/db\n    method: plugin\n", opts: Options{CNPGVersion: "1.25"}, path: "spec.backup.method", marker: "method: plugin", msg: "needs CloudNativePG 1.26"},
		{name: "plugin flag too old", spec: "  backup:\n    destinationPath: s3://b/db\n", opts: Options{CNPGVersion: "1.25.3", BackupMethod: "plugin"}, path: "spec.backup", marker: "destinationPath", msg: "needs CloudNativePG 1.26"},
		{name: "schedule", spec: "  backup:\n    destinationPath: s3://b/db\n    schedule: 61 0 * * *\n", path: "spec.backup.schedule", marker: "schedule:", msg: `minute field: "61" is out of range 0-59`},
		{name: "schedule fields", spec: "  backup:\n    destinationPath: s3://b/db\n    schedule: 0 0 0 * * * *\n", path: "spec.backup.schedule", marker: "schedule:", msg: "has 7 fields"},
		{name: "retention", spec: "  backup:\n    destinationPath: s3://b/db\n    retentionPolicy: 30 days\n", path: "spec.backup.retentionPolicy", marker: "retentionPolicy", msg: `got "30 days"`},
		{name: "encryption", spec: "  backup:\n    destinationPath: s3://b/db\n    encryption: aes256\n", path: "spec.backup.encryption", marker: "encryption", msg: "must be AES256, aws:kms or"},
		{name: "encryption gcs", spec: "  backup:\n    destinationPath: gs://b/db\n    encryption: AES256\n    googleCredentials: {gkeEnvironment: true}\n", path: "spec.backup.encryption", marker: "encryption", msg: "does not apply to Google Cloud Storage"},
		{name: "destination", spec: "  backup:\n    destinationPath: /var/backups\n", path: "spec.backup.destinationPath", marker: "destinationPath", msg: "must be an object store URL"},
		{name: "destination scheme", spec: "  backup:\n    destinationPath: minio://b/db\n", path: "spec.backup.destinationPath", marker: "destinationPath", msg: "s3://BUCKET/PATH"},
		{name: "azure url", spec: "  backup:\n    destinationPath: https://acct.blob.core.windows.net\n    azureCredentials: {inheritFromAzureAD: true}\n", path: "spec.backup.destinationPath", marker: "destinationPath", msg: "not an Azure Blob Storage URL"},
		{name: "placeholder", spec: "  backup:\n    destinationPath: s3://\n", path: "spec.backup.destinationPath", marker: "destinationPath", msg: "names no bucket", warning: true},
		{name: "no destination", spec: "  backup:\n    schedule: 0 1 * * *\n", path: "spec.backup", marker: "schedule", msg: "no destinationPath", warning: true},
		{name: "two credentials", spec: "  backup:\n    destinationPath: s3://b/db\n" + keys + "    googleCredentials: {gkeEnvironment: true}\n", path: "spec.backup", marker: "destinationPath", msg: "not 2"},
		{name: "wrong credentials", spec: "  backup:\n    destinationPath: gs://b/db\n" + keys, path: "spec.backup.s3Credentials", marker: "accessKeyId", msg: "give googleCredentials"},
		{name: "gcs needs credentials", spec: "  backup:\n    destinationPath: gs://b/db\n", path: "spec.backup", marker: "destinationPath", msg: "needs googleCredentials"},
		{name: "azure needs credentials", spec: "  backup:\n    destinationPath: https://acct.blob.core.windows.net/pg/db\n", path: "spec.backup", marker: "destinationPath", msg: "needs azureCredentials"},
		{name: "keys and iam", spec: "  backup:\n    destinationPath: s3://b/db\n" + keys + "      inheritFromIAMRole: true\n", path: "spec.backup.s3Credentials.inheritFromIAMRole", marker: "inheritFromIAMRole", msg: "either the pod's IAM role or the keys"},
		{name: "one key", spec: "  backup:\n    destinationPath: s3://b/db\n    s3Credentials:\n      accessKeyId: {name: s3, key: id}\n", path: "spec.backup.s3Credentials", marker: "accessKeyId", msg: "secretAccessKey is required"},
		{name: "iam false", spec: "  backup:\n    destinationPath: s3://b/db\n    s3Credentials:\n      inheritFromIAMRole: false\n", path: "spec.backup.s3Credentials.inheritFromIAMRole", marker: "inheritFromIAMRole", msg: "false needs accessKeyId"},
		{name: "session token alone", spec: "  backup:\n    destinationPath: s3://b/db\n    s3Credentials:\n      sessionToken: {name: s3, key: tok}\n", path: "spec.backup.s3Credentials.sessionToken", marker: "sessionToken", msg: "only with accessKeyId"},
		{name: "secret name", spec: "  backup:\n    destinationPath: s3://b/db\n    s3Credentials:\n      accessKeyId: {name: S3_Creds, key: id}\n      secretAccessKey: {name: s3, key: secret}\n", path: "spec.backup.s3Credentials.accessKeyId.name", marker: "S3_Creds", msg: "not a valid Secret name"},
		{name: "secret key", spec: "  backup:\n    destinationPath: s3://b/db\n    s3Credentials:\n      accessKeyId: {name: s3}\n      secretAccessKey: {name: s3, key: secret}\n", path: "spec.backup.s3Credentials.accessKeyId.key", marker: "accessKeyId", msg: "required: the key of Secret"},
		{name: "secret key chars", spec: "  backup:\n    destinationPath: s3://b/db\n    s3Credentials:\n      accessKeyId: {name: s3, key: a/b}\n      secretAccessKey: {name: s3, key: secret}\n", path: "spec.backup.s3Credentials.accessKeyId.key", marker: "a/b", msg: "not a valid Secret key"},
		{name: "google both", spec: "  backup:\n    destinationPath: gs://b/db\n    googleCredentials:\n      gkeEnvironment: true\n      applicationCredentials: {name: g, key: k}\n", path: "spec.backup.googleCredentials", marker: "gkeEnvironment", msg: "not both"},
		{name: "google none", spec: "  backup:\n    destinationPath: gs://b/db\n    googleCredentials:\n      gkeEnvironment: false\n", path: "spec.backup.googleCredentials", marker: "gkeEnvironment", msg: "needs applicationCredentials"},
		{name: "azure connection string and more", spec: "  backup:\n    destinationPath: https://acct.blob.core.windows.net/pg/db\n    azureCredentials:\n      connectionString: {name: az, key: cs}\n      storageAccount: {name: az, key: acct}\n", path: "spec.backup.azureCredentials", marker: "connectionString", msg: "must be given alone"},
		{name: "azure two methods", spec: "  backup:\n    destinationPath: https://acct.blob.core.windows.net/pg/db\n    azureCredentials:\n      storageAccount: {name: az, key: acct}\n      storageKey: {name: az, key: k}\n      storageSasToken: {name: az, key: t}\n", path: "spec.backup.azureCredentials", marker: "storageAccount", msg: "exactly one of storageKey"},
		{name: "azure key without account", spec: "  backup:\n    destinationPath: https://acct.blob.core.windows.net/pg/db\n    azureCredentials:\n      storageKey: {name: az, key: k}\n", path: "spec.backup.azureCredentials", marker: "storageKey", msg: "storageAccount is required"},
		{name: "endpoint", spec: "  backup:\n    destinationPath: s3://b/db\n    endpointURL: minio:9000\n", path: "spec.backup.endpointURL", marker: "endpointURL", msg: "must be an http:// or https:// URL"},
		{name: "snapshot class", spec: "  backup:\n    destinationPath: s3://b/db\n    volumeSnapshot:\n      enabled: true\n      snapshotClass: Fast_SSD\n", path: "spec.backup.volumeSnapshot.snapshotClass", marker: "snapshotClass", msg: "not a VolumeSnapshotClass name"},
		{name: "snapshots alone", spec: "  backup:\n    volumeSnapshot:\n      enabled: true\n", path: "spec.backup.volumeSnapshot.enabled", marker: "enabled: true", msg: "no point-in-time recovery", warning: true},
		{name: "in-tree deprecated", spec: systemImage + "  backup:\n    destinationPath: s3://b/db\n", path: "spec.backup", marker: "destinationPath", msg: "deprecated since CloudNativePG 1.26", warning: true},
	} {
		c.run(t)
	}
}

func TestRestoreDiagnostics(t *testing.T) {
	for _, c := range []diagCase{
		{name: "server name", spec: "  restore:\n    backupsPath: s3://b/old\n", path: "spec.restore.serverName", marker: "backupsPath", msg: "required"},
		{name: "server name slash", spec: "  restore:\n    serverName: a/b\n    backupsPath: s3://b/old\n", path: "spec.restore.serverName", marker: "serverName", msg: "not a Barman server name"},
		{name: "no path", spec: "  restore:\n    serverName: old\n", path: "spec.restore", marker: "serverName", msg: "backupsPath is required: there is no spec.backup.destinationPath"},
		{name: "path from bucket root", spec: "  backup:\n    destinationPath: s3://bucket\n  restore:\n    serverName: old\n", path: "spec.restore", marker: "serverName", msg: "no path below the bucket"},
		{name: "path from placeholder", spec: "  backup:\n    destinationPath: s3://\n  restore:\n    serverName: old\n", path: "spec.restore", marker: "serverName", msg: "names no store"},
		{name: "bad backups path", spec: "  restore:\n    serverName: old\n    backupsPath: bucket/old\n", path: "spec.restore.backupsPath", marker: "backupsPath", msg: "must be an object store URL"},
		{name: "bucketless backups path", spec: "  restore:\n    serverName: old\n    backupsPath: s3://\n", path: "spec.restore.backupsPath", marker: "backupsPath", msg: "no backups to restore"},
		{name: "target time", spec: "  restore:\n    serverName: old\n    backupsPath: s3://b/old\n    recoveryTargetTime: 2024-05-01 25:00:00\n", path: "spec.restore.recoveryTargetTime", marker: "recoveryTargetTime", msg: "not a timestamp"},
		{name: "own archive", spec: "  backup:\n    destinationPath: s3://b/db\n  restore:\n    serverName: db\n", path: "spec.restore.serverName", marker: "serverName", msg: "would archive WAL into the backups it restores from"},
		{name: "restore credentials", spec: "  restore:\n    serverName: old\n    backupsPath: gs://b/old\n", path: "spec.restore", marker: "serverName", msg: "needs googleCredentials"},
		{name: "restore wrong credentials", spec: "  restore:\n    serverName: old\n    backupsPath: gs://b/old\n    s3Credentials: {inheritFromIAMRole: true}\n", path: "spec.restore.s3Credentials", marker: "s3Credentials", msg: "give googleCredentials"},
		{name: "in-tree deprecated", spec: systemImage + "  restore:\n    serverName: old\n    backupsPath: s3://b/old\n", path: "spec.restore", marker: "serverName", msg: "deprecated since CloudNativePG 1.26", warning: true},
	} {
		c.run(t)
	}
}

func objOf[T Object](t *testing.T, objs []Object, kind, name string) T {
	t.Helper()
	for _, o := range objs {
		if o.GetObjectKind().GroupVersionKind().Kind == kind && o.GetName() == name {
			if v, ok := o.(T); ok {
				return v
			}
		}
	}
	var zero T
	t.Fatalf("no %s %s among %d objects", kind, name, len(objs))
	return zero
}

func kinds(objs []Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetName())
	}
	return out
}

func mustCoreDB(t *testing.T, spec string, opts Options) []Object {
	t.Helper()
	src := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata:\n  name: db\nspec:\n" + spec
	objs, _, errs := coreDB(t, src, opts)
	if len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	return objs
}

// TestBackupNoPlaceholder: Tembo's default destination s3:// (and no
// destination at all) gives no backup objects and leaves the Cluster
// without backup configuration.
func TestBackupNoPlaceholder(t *testing.T) {
	for _, spec := range []string{"  backup:\n    destinationPath: s3://\n", "  backup:\n    schedule: 0 0 * * *\n", "  backup: {}\n"} {
		objs := mustCoreDB(t, spec, Options{})
		if len(objs) != 1 {
			t.Errorf("%q: want only the Cluster, got %v", spec, kinds(objs))
		}
		c := objOf[*cnpgv1.Cluster](t, objs, "Cluster", "db")
		if c.Spec.Backup != nil || len(c.Spec.Plugins) > 0 {
			t.Errorf("%q: Cluster has backup config %+v %+v", spec, c.Spec.Backup, c.Spec.Plugins)
		}
	}
}

// systemImage is CloudNativePG's image flavour with barman-cloud, so that
// the in-tree Barman Cloud is the default backup method.
const systemImage = "  image: ghcr.io/cloudnative-pg/postgresql:17-system-trixie\n"

// TestBackupMethods: the same backup through the in-tree archiver and the
// plugin. The plugin route must not leave barmanObjectStore on the Cluster
// (CNPG rejects a WAL-archiver plugin next to it) and must carry the
// retention on the ObjectStore (on the Cluster it is ignored with a
// warning).
func TestBackupMethods(t *testing.T) {
	spec := "  backup:\n    destinationPath: s3://b/db\n    retentionPolicy: \"14\"\n"
	objs := mustCoreDB(t, systemImage+spec, Options{})
	c := objOf[*cnpgv1.Cluster](t, objs, "Cluster", "db")
	if c.Spec.Backup == nil || c.Spec.Backup.BarmanObjectStore == nil || c.Spec.Backup.RetentionPolicy != "14d" || len(c.Spec.Plugins) != 0 {
		t.Fatalf("in-tree: backup %+v, plugins %+v", c.Spec.Backup, c.Spec.Plugins)
	}
	if sb := objOf[*cnpgv1.ScheduledBackup](t, objs, "ScheduledBackup", "db"); sb.Spec.Method != cnpgv1.BackupMethodBarmanObjectStore || sb.Spec.PluginConfiguration != nil {
		t.Errorf("in-tree ScheduledBackup: %+v", sb.Spec)
	}

	for _, opts := range []Options{{BackupMethod: "plugin"}, {BackupMethod: "barmanObjectStore"}} {
		s := spec
		if opts.BackupMethod == "barmanObjectStore" {
			s += "    method: plugin\n" // the spec wins over the flag
		}
		objs = mustCoreDB(t, s, opts)
		c = objOf[*cnpgv1.Cluster](t, objs, "Cluster", "db")
		if c.Spec.Backup != nil {
			t.Errorf("plugin: Cluster still has backup %+v", c.Spec.Backup)
		}
		if len(c.Spec.Plugins) != 1 || c.Spec.Plugins[0].Name != "barman-cloud.cloudnative-pg.io" || c.Spec.Plugins[0].IsWALArchiver == nil || !*c.Spec.Plugins[0].IsWALArchiver || c.Spec.Plugins[0].Parameters["barmanObjectName"] != "db-backup" {
			t.Errorf("plugin: plugins %+v", c.Spec.Plugins)
		}
		os := objOf[*objectStore](t, objs, "ObjectStore", "db-backup")
		if os.APIVersion != "barmancloud.cnpg.io/v1" || os.Spec.RetentionPolicy != "14d" || os.Spec.Configuration.DestinationPath != "s3://b/db" || os.Spec.Configuration.ServerName != "" {
			t.Errorf("plugin: ObjectStore %+v", os)
		}
		sb := objOf[*cnpgv1.ScheduledBackup](t, objs, "ScheduledBackup", "db")
		if sb.Spec.Method != cnpgv1.BackupMethodPlugin || sb.Spec.PluginConfiguration == nil || sb.Spec.PluginConfiguration.Name != "barman-cloud.cloudnative-pg.io" {
			t.Errorf("plugin ScheduledBackup: %+v", sb.Spec)
		}
	}
}

// TestBackupEncryption: Tembo's default AES256 for S3, none when "" is
// written, and never for the other stores.
func TestBackupEncryption(t *testing.T) {
	for _, tt := range []struct{ spec, want string }{
		{"  backup:\n    destinationPath: s3://b/db\n", "AES256"},
		{"  backup:\n    destinationPath: s3://b/db\n    encryption: \"\"\n", ""},
		{"  backup:\n    destinationPath: s3://b/db\n    encryption: aws:kms\n", "aws:kms"},
		{"  backup:\n    destinationPath: gs://b/db\n    googleCredentials: {gkeEnvironment: true}\n", ""},
		{"  backup:\n    destinationPath: https://a.blob.core.windows.net/c/db\n    azureCredentials: {inheritFromAzureAD: true}\n", ""},
	} {
		c := objOf[*cnpgv1.Cluster](t, mustCoreDB(t, systemImage+tt.spec, Options{}), "Cluster", "db")
		st := c.Spec.Backup.BarmanObjectStore
		if string(st.Data.Encryption) != tt.want || string(st.Wal.Encryption) != tt.want {
			t.Errorf("%q: encryption data %q wal %q, want %q", tt.spec, st.Data.Encryption, st.Wal.Encryption, tt.want)
		}
	}
}

// TestBackupStopAndSnapshots: stop suspends every schedule; the snapshot
// schedule is named <name[:43]>-snap as in Tembo.
func TestBackupStopAndSnapshots(t *testing.T) {
	name := strings.Repeat("a", 20) + "-" + strings.Repeat("b", 29) // 50 characters
	src := "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata:\n  name: " + name + "\nspec:\n  stop: true\n  backup:\n    destinationPath: s3://b/x\n    volumeSnapshot: {enabled: true}\n"
	objs, _, errs := coreDB(t, src, Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	snap := name[:43] + "-snap"
	for _, n := range []string{name, snap} {
		sb := objOf[*cnpgv1.ScheduledBackup](t, objs, "ScheduledBackup", n)
		if sb.Spec.Suspend == nil || !*sb.Spec.Suspend {
			t.Errorf("%s: not suspended while stopped", n)
		}
	}
	if sb := objOf[*cnpgv1.ScheduledBackup](t, objs, "ScheduledBackup", snap); sb.Spec.Method != cnpgv1.BackupMethodVolumeSnapshot || sb.Spec.Online != nil {
		t.Errorf("snapshot schedule: %+v", sb.Spec)
	}
	c := objOf[*cnpgv1.Cluster](t, objs, "Cluster", name)
	vs := c.Spec.Backup.VolumeSnapshot
	// Each snapshot belongs to its Backup, so the retention CronJob deletes
	// both; the Backups of the snapshot schedule belong to nothing, so
	// removing the schedule never deletes a snapshot.
	if vs == nil || vs.SnapshotOwnerReference != "backup" || vs.ClassName != "" || vs.Online == nil || !*vs.Online {
		t.Errorf("volumeSnapshot %+v", vs)
	}
	if sb := objOf[*cnpgv1.ScheduledBackup](t, objs, "ScheduledBackup", snap); sb.Spec.BackupOwnerReference != "none" {
		t.Errorf("snapshot Backups owned by %q, want none", sb.Spec.BackupOwnerReference)
	}
	// Retention, suspended while stopped.
	cj := objOf[*batchv1.CronJob](t, objs, "CronJob", name[:37]+"-snap-retention")
	if cj.Spec.Suspend == nil || !*cj.Spec.Suspend || len(cj.Name) > 52 {
		t.Errorf("retention CronJob %s suspend %v", cj.Name, cj.Spec.Suspend)
	}
	env := map[string]string{}
	for _, e := range cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	if env["SCHEDULED_BACKUP"] != snap || env["COREDB_RETENTION_DAYS"] == "" {
		t.Errorf("retention env %v", env)
	}
	role := objOf[*rbacv1.Role](t, objs, "Role", cj.Name)
	if len(role.Rules) != 1 || role.Rules[0].Resources[0] != "backups" || strings.Join(role.Rules[0].Verbs, ",") != "get,list,delete" {
		t.Errorf("retention Role %+v", role.Rules)
	}
}

// The snapshot schedule is moved away from the object-store backup's.
func TestSnapshotScheduleOffset(t *testing.T) {
	src := `apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata: {name: db}
spec:
  backup:
    destinationPath: s3://bucket/db
    schedule: "0 3 * * *"
    s3Credentials: {inheritFromIAMRole: true}
    volumeSnapshot: {enabled: true, snapshotClass: csi}
`
	objs, _, err := compileSrc(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := objOf[*cnpgv1.ScheduledBackup](t, objs, "ScheduledBackup", "db")
	snap := objOf[*cnpgv1.ScheduledBackup](t, objs, "ScheduledBackup", "db-snap")
	if base.Spec.Schedule != "0 0 3 * * *" || snap.Spec.Schedule != "0 0 15 * * *" {
		t.Errorf("schedules %q and %q, want 03:00 and 15:00", base.Spec.Schedule, snap.Spec.Schedule)
	}
}

// TestRestore: recovery replaces initdb, the source follows Tembo's path
// rule, and unset endpoint and credentials come from spec.backup.
func TestRestore(t *testing.T) {
	spec := `  backup:
    destinationPath: s3://bucket/v2/db
    endpointURL: http://minio:9000
    s3Credentials:
      accessKeyId: {name: s3, key: id}
      secretAccessKey: {name: s3, key: secret}
  restore:
    serverName: old
    recoveryTargetTime: "2024-05-01 13:45:00+05:30"
`
	c := objOf[*cnpgv1.Cluster](t, mustCoreDB(t, systemImage+spec, Options{}), "Cluster", "db")
	bs := c.Spec.Bootstrap
	if bs == nil || bs.InitDB != nil || bs.Recovery == nil || bs.Recovery.Source != "old" || bs.Recovery.Database != "app" || bs.Recovery.Owner != "app" {
		t.Fatalf("bootstrap %+v", bs)
	}
	if rt := bs.Recovery.RecoveryTarget; rt == nil || rt.TargetTime != "2024-05-01T13:45:00+05:30" {
		t.Errorf("recovery target %+v", rt)
	}
	if len(c.Spec.ExternalClusters) != 1 {
		t.Fatalf("externalClusters %+v", c.Spec.ExternalClusters)
	}
	src := c.Spec.ExternalClusters[0].BarmanObjectStore
	if src.DestinationPath != "s3://bucket/v2/old" || src.ServerName != "old" || src.EndpointURL != "http://minio:9000" || src.AWS == nil || src.AWS.AccessKeyIDReference == nil || src.AWS.AccessKeyIDReference.Name != "s3" {
		t.Errorf("source store %+v", src)
	}

	// plugin: an ObjectStore for the source, no serverName in it
	objs := mustCoreDB(t, spec, Options{BackupMethod: "plugin"})
	c = objOf[*cnpgv1.Cluster](t, objs, "Cluster", "db")
	pc := c.Spec.ExternalClusters[0].PluginConfiguration
	if pc == nil || pc.Parameters["barmanObjectName"] != "db-restore" || pc.Parameters["serverName"] != "old" {
		t.Errorf("plugin source %+v", pc)
	}
	if os := objOf[*objectStore](t, objs, "ObjectStore", "db-restore"); os.Spec.Configuration.ServerName != "" || os.Spec.RetentionPolicy != "" || os.Spec.Configuration.DestinationPath != "s3://bucket/v2/old" {
		t.Errorf("restore ObjectStore %+v", os.Spec)
	}
}

func TestDerivedRestorePath(t *testing.T) {
	for dest, want := range map[string]string{
		"s3://b/v2/new":  "s3://b/v2/old",
		"s3://b/v2/new/": "s3://b/v2/old",
		"s3://b/new":     "s3://b/old",
		"gs://b/x/y/new": "gs://b/x/y/old",
		"https://acct.blob.core.windows.net/pg/new": "https://acct.blob.core.windows.net/pg/old",
		"s3://b":                                "",
		"https://acct.blob.core.windows.net/pg": "",
	} {
		got, why := derivedRestorePath(&Backup{DestinationPath: dest}, "old")
		if got != want || (want == "") != (why != "") {
			t.Errorf("derivedRestorePath(%q) = %q, %q; want %q", dest, got, why, want)
		}
	}
}

// TestBackupDocs keeps the docs naming what the code does.
func TestBackupDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/backup-pooler-metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"backupOwnerReference: self", "<name[:43]>-snap"} {
		if !strings.Contains(string(doc), s) {
			t.Errorf("docs/backup-pooler-metrics.md does not mention %q", s)
		}
	}
}

// FuzzCronSchedule: never panics; an accepted schedule has six fields and
// is accepted again unchanged.
func FuzzCronSchedule(f *testing.F) {
	for _, s := range []string{"0 0 * * *", "*/5 1-5 * jan-mar MON-FRI", "@daily", "61 0 0 * * *", "1,,2 * * * *", "0 0 0 1-31/10 1-12/3 0-6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := cronSchedule(s)
		if err != nil {
			return
		}
		if n := len(strings.Fields(out)); n != 6 {
			t.Fatalf("cronSchedule(%q) = %q: %d fields", s, out, n)
		}
		if again, err := cronSchedule(out); err != nil || again != out {
			t.Fatalf("cronSchedule(%q) = %q, but that gives %q, %v", s, out, again, err)
		}
	})
}

// FuzzRecoveryTargetTime: never panics; an accepted target is RFC 3339 and
// is accepted again unchanged.
func FuzzRecoveryTargetTime(f *testing.F) {
	for _, tt := range targetTimes {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := recoveryTargetTime(s)
		if err != nil {
			return
		}
		if _, err := time.Parse(time.RFC3339, out); err != nil {
			t.Fatalf("recoveryTargetTime(%q) = %q, not RFC 3339: %v", s, out, err)
		}
		if again, err := recoveryTargetTime(out); err != nil || again != out {
			t.Fatalf("recoveryTargetTime(%q) = %q, but that gives %q, %v", s, out, again, err)
		}
	})
}

// FuzzBackupPoolerMetrics compiles mutated backup, restore, pooler and
// metrics examples with every backup method: compiling never panics.
func FuzzBackupPoolerMetrics(f *testing.F) {
	for _, name := range []string{"backup-s3-keys", "backup-plugin", "backup-volume-snapshot", "backup-gcs", "backup-azure", "backup-stopped", "restore-pitr", "restore-plugin", "pooler-custom", "metrics-queries"} {
		src, err := os.ReadFile("../examples/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dbs, _, err := Load("fuzz.yaml", src)
		if err != nil {
			return
		}
		for _, m := range []string{"", "plugin"} {
			_, _, _ = Compile(dbs, Options{BackupMethod: m, CNPGVersion: "1.30.1"})
		}
	})
}

// TestBackupMethodFromImage: without spec.backup.method or --backup-method,
// the method follows the image and the CNPG version. The in-tree Barman
// Cloud runs barman-cloud inside the Postgres container, which CNPG's
// minimal and standard images (coredb's defaults) lack: there the plugin is
// the default from 1.26 on, and before 1.26 nothing can archive. Asking
// for the in-tree method on such an image is an error at the line that
// asks; on an image coredb does not know, a warning.
func TestBackupMethodFromImage(t *testing.T) {
	const (
		store    = "  backup:\n    destinationPath: s3://b/db\n"
		standard = "  image: ghcr.io/cloudnative-pg/postgresql:17-standard-trixie\n"
		unknown  = "  image: registry.example.com/pg:17-custom\n"
	)
	for _, tt := range []struct {
		name, spec string
		opts       Options
		want       string // the method rendered
	}{
		{"default image", store, Options{}, backupMethodPlugin},
		{"standard", standard + store, Options{CNPGVersion: "1.26"}, backupMethodPlugin},
		{"system", systemImage + store, Options{}, backupMethodInTree},
		{"legacy tag is system", "  image: ghcr.io/cloudnative-pg/postgresql:16.4\n" + store, Options{}, backupMethodInTree},
		{"tembo image on target tembo", "  image: quay.io/tembo/standard-cnpg:15-bffd097\n" + store, Options{Target: "tembo"}, backupMethodInTree},
		{"unknown image", unknown + store, Options{}, backupMethodPlugin},
		{"unknown image before 1.26", unknown + store, Options{CNPGVersion: "1.25"}, backupMethodInTree},
		{"explicit plugin", store + "    method: plugin\n", Options{}, backupMethodPlugin},
		{"explicit in-tree, unknown image", unknown + store + "    method: barmanObjectStore\n", Options{}, backupMethodInTree},
		{"restore only", "  restore:\n    serverName: old\n    backupsPath: s3://b/old\n", Options{}, backupMethodPlugin},
	} {
		objs := mustCoreDB(t, tt.spec, tt.opts)
		c := objOf[*cnpgv1.Cluster](t, objs, "Cluster", "db")
		got := backupMethodInTree
		if len(c.Spec.Plugins) > 0 || (len(c.Spec.ExternalClusters) > 0 && c.Spec.ExternalClusters[0].PluginConfiguration != nil) {
			got = backupMethodPlugin
		}
		if got != tt.want {
			t.Errorf("%s: method %s, want %s", tt.name, got, tt.want)
		}
	}

	for _, c := range []diagCase{
		// the default switched to the plugin: said at the backup, with why
		{name: "plugin by default", spec: store, path: "spec.backup", marker: "destinationPath", msg: "standard-trixie (cnpg-standard) has no barman-cloud", warning: true},
		{name: "plugin by default, unknown", spec: unknown + store, path: "spec.backup", marker: "destinationPath", msg: "does not know whether image registry.example.com/pg:17-custom has barman-cloud", warning: true},
		{name: "restore by plugin", spec: "  restore:\n    serverName: old\n    backupsPath: s3://b/old\n", path: "spec.restore", marker: "serverName", msg: "using the Barman Cloud plugin", warning: true},
		// nothing can archive
		{name: "no method before 1.26", spec: store, opts: Options{CNPGVersion: "1.25.3"}, path: "spec.backup", marker: "destinationPath", msg: "the Barman Cloud plugin needs CloudNativePG 1.26 or later (the target is 1.25.3"},
		{name: "unknown before 1.26", spec: unknown + store, opts: Options{CNPGVersion: "1.25"}, path: "spec.backup", marker: "destinationPath", msg: "must contain barman-cloud-wal-archive", warning: true},
		// explicit in-tree
		{name: "in-tree on standard", spec: store + "    method: barmanObjectStore\n", path: "spec.backup.method", marker: "method: barmanObjectStore", msg: "has none, so WAL archiving and every backup would fail; use method plugin"},
		{name: "in-tree flag on standard", spec: store, opts: Options{BackupMethod: "barmanObjectStore"}, path: "spec.backup", marker: "destinationPath", msg: "postgresql:15-system-trixie"},
		{name: "in-tree before 1.26", spec: standard + store + "    method: barmanObjectStore\n", opts: Options{CNPGVersion: "1.25"}, path: "spec.backup.method", marker: "method: barmanObjectStore", msg: "target CloudNativePG 1.26 or later and use method plugin"},
		{name: "in-tree on unknown", spec: unknown + store + "    method: barmanObjectStore\n", path: "spec.backup.method", marker: "method: barmanObjectStore", msg: "must contain barman-cloud-wal-archive", warning: true},
	} {
		c.run(t)
	}

	// The method is only checked where there is an object store: volume
	// snapshots alone need no barman-cloud, whatever the version.
	for _, opts := range []Options{{CNPGVersion: "1.25"}, {BackupMethod: "barmanObjectStore"}} {
		_, warns, errs := coreDB(t, "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata:\n  name: db\nspec:\n  backup:\n    volumeSnapshot: {enabled: true}\n", opts)
		if len(errs) > 0 {
			t.Errorf("snapshots only, %+v: %v", opts, errs)
		}
		for _, w := range warns {
			if strings.Contains(w.Msg, "barman-cloud") {
				t.Errorf("snapshots only, %+v: %v", opts, w)
			}
		}
	}
	// A plugin chosen by default says nothing about deprecation.
	_, warns, _ := coreDB(t, "apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata:\n  name: db\nspec:\n"+store, Options{})
	for _, w := range warns {
		if strings.Contains(w.Msg, "deprecated") {
			t.Errorf("plugin by default: %v", w)
		}
	}
}

// TestBackupMethodDeclaredImage: an ImageSet's barmanCloud decides for a
// declared image, and the error says so.
func TestBackupMethodDeclaredImage(t *testing.T) {
	src := func(barman string) string {
		return "apiVersion: coredb.io/v1alpha1\nkind: ImageSet\nmetadata: {name: imgs}\nspec:\n  images:\n    - image: registry.example.com/pg\n" + barman +
			"---\napiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata:\n  name: db\nspec:\n  image: registry.example.com/pg:17-custom\n  backup:\n    destinationPath: s3://b/db\n    method: barmanObjectStore\n"
	}
	if _, _, err := compileSrc(t, src("      barmanCloud: true\n"), Options{}); err != nil {
		t.Errorf("declared with barmanCloud: %v", err)
	}
	_, _, err := compileSrc(t, src(""), Options{})
	errs, _ := err.(ErrorList)
	if len(errs) != 1 || errs[0].Path != "spec.backup.method" || !strings.Contains(errs[0].Msg, "say barmanCloud: true in its ImageSet") {
		t.Errorf("declared without barmanCloud: %v", err)
	}
}
