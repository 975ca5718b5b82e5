package compile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/coredb-dev/coredb/internal/charset"
	"k8s.io/apimachinery/pkg/api/resource"
)

// CloudNativePG's rules for spec.postgresql.parameters, as data plus one
// checker (cloudnativepg.md §2 and §10 rules 28-44). coredb applies them
// before emitting a Cluster so that `kubectl apply` is never rejected by
// CNPG's webhook, and so that every problem points at the line that set the
// parameter, in the user's file, in a stack or in a config engine.

// Version is a CloudNativePG operator version, as given to --cnpg-version.
type Version struct{ Major, Minor, Patch int }

// ParseVersion reads "1.28", "1.28.2" or "v1.29.3". A missing patch is 0, so
// "1.30" means 1.30.0: rules then assume the oldest release of that minor.
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("invalid CloudNativePG version %q: want MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.28 or 1.28.2", s)
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || len(p) > 6 || strings.Trim(p, "0123456789") != "" {
			return Version{}, fmt.Errorf("invalid CloudNativePG version %q: want MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.28 or 1.28.2", s)
		}
		n[i], _ = strconv.Atoi(p) // at most 6 digits: cannot fail
	}
	return Version{n[0], n[1], n[2]}, nil
}

// Less reports whether v is an older release than o.
func (v Version) Less(o Version) bool {
	if v.Major != o.Major {
		return v.Major < o.Major
	}
	if v.Minor != o.Minor {
		return v.Minor < o.Minor
	}
	return v.Patch < o.Patch
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// RuleContext is what the rules need to know about the Cluster being built.
type RuleContext struct {
	CNPGVersion   Version // parsed --cnpg-version, e.g. {1,28,0}
	Instances     int32
	MemoryRequest *resource.Quantity // nil when no memory request is set
	WalStorage    *resource.Quantity // nil when no walStorage
	PGMajor       int
}

// fixedParams are the parameters CloudNativePG computes itself
// (FixedConfigurationParameters, "fixed", cloudnativepg.md §2.1; the same in
// 1.27.1, 1.28.2 and 1.30.1). Its webhook rejects them with "Can't set fixed
// configuration parameter" unless the value is exactly the one it computes
// for a bare Cluster. Sorted.
var fixedParams = []string{
	"archive_command",
	"archive_mode",
	"cluster_name",
	"pg_failover_slots.primary_dsn",
	"pg_failover_slots.standby_slot_names",
	"port",
	"primary_conninfo",
	"primary_slot_name",
	"recovery_target",
	"recovery_target_action",
	"recovery_target_inclusive",
	"recovery_target_lsn",
	"recovery_target_name",
	"recovery_target_time",
	"recovery_target_timeline",
	"recovery_target_xid",
	"restore_command",
	"shared_preload_libraries",
	"ssl",
	"ssl_ca_file",
	"ssl_cert_file",
	"ssl_crl_file",
	"ssl_dh_params_file",
	"ssl_key_file",
	"ssl_passphrase_command",
	"ssl_passphrase_command_supports_reload",
	"ssl_prefer_server_ciphers",
	"synchronized_standby_slots",
	"synchronous_standby_names",
	"temp_tablespaces",
}

// blockedParams must keep their default for the operator to work: file
// locations, logging that the instance manager collects, crash and restart
// behaviour, the sockets it listens on ("blocked", §2.1). Same webhook rule.
// Sorted.
var blockedParams = []string{
	"allow_system_table_mods",
	"archive_cleanup_command",
	"bonjour",
	"bonjour_name",
	"config_file",
	"data_directory",
	"data_sync_retry",
	"event_source",
	"external_pid_file",
	"hba_file",
	"hot_standby",
	"ident_file",
	"jit_provider",
	"listen_addresses",
	"log_destination",
	"log_directory",
	"log_file_mode",
	"log_filename",
	"log_rotation_age",
	"log_rotation_size",
	"log_truncate_on_rotation",
	"logging_collector",
	"promote_trigger_file",
	"recovery_end_command",
	"recovery_min_apply_delay",
	"restart_after_crash",
	"stats_temp_directory",
	"syslog_facility",
	"syslog_ident",
	"syslog_sequence_numbers",
	"syslog_split_messages",
	"unix_socket_directories",
	"unix_socket_group",
	"unix_socket_permissions",
}

// sslECDHCurve was fixed up to 1.29.2 and 1.30.0; PR #11308 made it settable
// in 1.29.3 and 1.30.1 (§2.1 "Version drift").
const sslECDHCurve = "ssl_ecdh_curve"

// sslECDHCurveFixed reports whether CloudNativePG v still owns ssl_ecdh_curve:
// every release before 1.29.3, and 1.30.0, which was released before the
// change and does not have it (1.30.1 does). "1.30" parses as 1.30.0, so it
// counts as owning it too: coredb assumes the oldest patch of a minor.
func sslECDHCurveFixed(v Version) bool {
	return v.Less(Version{1, 29, 3}) || v == Version{1, 30, 0}
}

// ownedBy reports whether CloudNativePG owns parameter name at version v, and
// whether it is "fixed" (computed by CNPG) or "blocked" (kept at its default).
func ownedBy(name string, v Version) (kind string, owned bool) {
	if _, ok := slices.BinarySearch(fixedParams, name); ok {
		return "fixed", true
	}
	if _, ok := slices.BinarySearch(blockedParams, name); ok {
		return "blocked", true
	}
	if name == sslECDHCurve && sslECDHCurveFixed(v) {
		return "fixed", true
	}
	return "", false
}

// ownedHints say where the value of an operator-owned parameter comes from
// instead, when there is something better to say than "remove it".
var ownedHints = map[string]string{
	"archive_command":           "CloudNativePG archives WAL itself; configure backups instead",
	"archive_mode":              "CloudNativePG sets it from the Cluster (on, always for a replica cluster)",
	"cluster_name":              "CloudNativePG sets it to the Cluster's name",
	"hot_standby":               "standbys are always hot in CloudNativePG",
	"listen_addresses":          "CloudNativePG listens on all addresses; expose the database through its Services",
	"port":                      "CloudNativePG always listens on 5432; expose another port through a Service",
	"recovery_min_apply_delay":  "set spec.replica.minApplyDelay on the Cluster instead",
	"restore_command":           "CloudNativePG restores WAL itself; configure the restore source instead",
	"shared_preload_libraries":  "coredb renders preload libraries into spec.postgresql.shared_preload_libraries; list them there",
	"synchronous_standby_names": "use spec.postgresql.synchronous on the Cluster instead",
	"temp_tablespaces":          "mark a tablespace temporary in spec.tablespaces instead",
	sslECDHCurve:                "CloudNativePG 1.29.3 and 1.30.1 let you set it: target one of them with --cnpg-version, or remove it",
}

// cnpgDefaults are the values CloudNativePG writes for every Cluster
// (GlobalDefaultSettings, cloudnativepg.md §2.3; the same in 1.27.1 and
// 1.30.1). Its mutating webhook adds them to spec.postgresql.parameters.
var cnpgDefaults = map[string]string{
	"archive_timeout":            "5min",
	"dynamic_shared_memory_type": "posix",
	"full_page_writes":           "on",
	"log_destination":            "csvlog",
	"log_directory":              "/controller/log",
	"log_filename":               "postgres",
	"log_rotation_age":           "0",
	"log_rotation_size":          "0",
	"log_truncate_on_rotation":   "false",
	"logging_collector":          "on",
	"max_parallel_workers":       "32",
	"max_replication_slots":      "32",
	"max_worker_processes":       "32",
	"shared_memory_type":         "mmap",
	"shared_preload_libraries":   "",
	"ssl_max_protocol_version":   "TLSv1.3",
	"ssl_min_protocol_version":   "TLSv1.3",
	"wal_keep_size":              "512MB",
	"wal_level":                  "logical",
	"wal_log_hints":              "on",
	"wal_receiver_timeout":       "5s",
	"wal_sender_timeout":         "5s",
}

// cnpgDefault returns the value CloudNativePG sets for parameter name on
// every Cluster (§2.3), if it sets one.
func cnpgDefault(name string) (string, bool) {
	v, ok := cnpgDefaults[name]
	return v, ok
}

// managedLibraries are CloudNativePG's managed extensions (§2.5): a parameter
// in the namespace makes CNPG add the library to shared_preload_libraries
// (and, for pgaudit and pg_stat_statements, run CREATE EXTENSION).
var managedLibraries = []string{"auto_explain", "pg_failover_slots", "pg_stat_statements", "pgaudit"}

// managedLibrary returns the library CloudNativePG preloads because
// parameter param is set (e.g. pg_stat_statements.track -> pg_stat_statements).
func managedLibrary(param string) (lib string, ok bool) {
	ns, _, found := strings.Cut(param, ".")
	if !found || !slices.Contains(managedLibraries, ns) {
		return "", false
	}
	return ns, true
}

// gucName is the parameter-name check of CloudNativePG 1.30's webhook: a GUC
// name, optionally namespaced with one dot. coredb applies it to every
// version: a name PostgreSQL cannot parse breaks the configuration anyway.
// Its expression is ^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$.
func gucName(s string) bool {
	word := func(w string) bool { return charset.Word(w, gucFirst, gucRest, gucRest, 0) }
	name, custom, dotted := strings.Cut(s, ".")
	return word(name) && (!dotted || word(custom))
}

var gucFirst, gucRest = charset.Of("A-Za-z_"), charset.Of("A-Za-z0-9_$")

// Names of the parameters with rules of their own.
const (
	paramSharedBuffers      = "shared_buffers"
	paramMinWalSize         = "min_wal_size"
	paramMaxWalSize         = "max_wal_size"
	paramWalLevel           = "wal_level"
	paramWalLogHints        = "wal_log_hints"
	paramHotStandbyFeedback = "hot_standby_feedback"
	paramSyncReplSlots      = "sync_replication_slots"
	paramAllowAlterSystem   = "allow_alter_system"
)

// CloudNativePG's (and PostgreSQL's) defaults for the WAL size bounds, used
// when only one of them is set.
const (
	defaultMinWalSize = "80MB"
	defaultMaxWalSize = "1GB"
)

// boolParams must be PostgreSQL booleans (the webhook parses them).
var boolParams = []string{paramHotStandbyFeedback, paramSyncReplSlots, paramWalLogHints}

// sizeParams must parse with CloudNativePG's size parser (parsePGSize).
var sizeParams = []string{paramSharedBuffers, paramMinWalSize, paramMaxWalSize}

// describeOrigin says where a setting came from, for messages:
// "computed by engine standard", "from stack oltp", "set by spec.runtime_config[2]".
func describeOrigin(o Origin) string {
	switch {
	case strings.HasPrefix(o.Path, "engine "):
		return "computed by " + o.Path
	case strings.HasPrefix(o.Path, "stack "):
		return "from " + o.Path
	case strings.HasPrefix(o.File, "stacks/"):
		name := strings.TrimSuffix(strings.TrimPrefix(o.File, "stacks/"), ".yaml")
		return "from stack " + name
	case o.Path != "":
		return "set by " + strings.TrimSuffix(o.Path, ".value")
	case o.File != "":
		return "set in " + o.File
	}
	return "set by coredb"
}

// checkSettings validates the final merged parameters (name -> Setting, shared_preload_libraries already removed)
// and returns every problem, each located at the Setting's Origin (Origin.errorf), message naming the parameter,
// where it came from (Origin.Path, e.g. `set by spec.runtime_config[2]` / `from stack MachineLearning`) and why,
// and what to do. It never stops at the first error.
func checkSettings(settings []Setting, rc RuleContext) ErrorList {
	var errs ErrorList
	byName := make(map[string]Setting, len(settings))
	for _, s := range settings {
		byName[s.Name] = s
	}
	sizes := map[string]int64{} // parsed sizes of sizeParams, when valid
	for _, s := range settings {
		errs = append(errs, checkSetting(s, rc, sizes)...)
	}
	errs = append(errs, checkMemory(byName, sizes, rc)...)
	errs = append(errs, checkWalSizes(byName, sizes, rc)...)
	errs = append(errs, checkFailoverSlots(settings, byName)...)
	return errs
}

// checkSetting applies the rules that look at one setting alone, and records
// valid sizes in sizes for the rules that compare them.
func checkSetting(s Setting, rc RuleContext, sizes map[string]int64) ErrorList {
	o, from := s.Origin, describeOrigin(s.Origin)
	if !gucName(s.Name) {
		return ErrorList{o.errorf(false,
			"%q (%s) is not a valid PostgreSQL parameter name: a name is letters, digits, _ and $, not starting with a digit, "+
				"optionally namespaced with one dot (extension.setting); CloudNativePG 1.30+ rejects it and PostgreSQL cannot load it: fix the name",
			s.Name, from)}
	}
	if s.Name == paramAllowAlterSystem {
		return ErrorList{o.errorf(false,
			"allow_alter_system (%s) cannot be set in parameters: CloudNativePG writes it itself from the Cluster's "+
				"spec.postgresql.enableAlterSystem on PostgreSQL 17 and later, and on PostgreSQL 16 and earlier it is an unknown "+
				"parameter that stops PostgreSQL from starting (target PostgreSQL %d); remove it", from, rc.PGMajor)}
	}
	if kind, owned := ownedBy(s.Name, rc.CNPGVersion); owned {
		return ErrorList{ownedError(s, kind, rc.CNPGVersion)}
	}
	switch {
	case s.Name == paramWalLevel:
		return checkWalLevel(s)
	case slices.Contains(boolParams, s.Name):
		on, err := parsePGBool(s.Value)
		if err != nil {
			return ErrorList{o.errorf(false,
				"%s %q (%s) is not a PostgreSQL boolean, and CloudNativePG rejects it: write on or off",
				s.Name, s.Value, from)}
		}
		if s.Name == paramSyncReplSlots && rc.PGMajor > 0 && rc.PGMajor < 17 {
			return ErrorList{o.errorf(false,
				"sync_replication_slots (%s) exists only from PostgreSQL 17, and PostgreSQL %d refuses to start with "+
					"an unknown parameter: remove it or target PostgreSQL 17 or later", from, rc.PGMajor)}
		}
		if s.Name == paramWalLogHints && !on && rc.Instances > 1 {
			return ErrorList{o.errorf(false,
				"wal_log_hints %q (%s) turns WAL hint logging off, but CloudNativePG needs it on when instances > 1 "+
					"(it uses pg_rewind to rejoin a former primary as a standby; this Cluster has %d instances): "+
					"remove it to keep CloudNativePG's default \"on\"", s.Value, from, rc.Instances)}
		}
	case slices.Contains(sizeParams, s.Name):
		return checkSize(s, sizes)
	}
	return nil
}

// ownedError explains why an operator-owned parameter cannot be set.
func ownedError(s Setting, kind string, v Version) *FieldError {
	from := describeOrigin(s.Origin)
	what := "CloudNativePG computes its value"
	if kind == "blocked" {
		what = "it must keep its default for CloudNativePG to work"
	}
	hint := ownedHints[s.Name]
	if hint == "" {
		hint = "remove it"
	}
	if s.Name == sslECDHCurve {
		return s.Origin.errorf(false,
			"ssl_ecdh_curve %q (%s) is owned by CloudNativePG %s, which rejects it with \"Can't set fixed configuration parameter\"; %s",
			s.Value, from, v, hint)
	}
	if d, ok := cnpgDefault(s.Name); (ok && d == s.Value) || (s.Name == "archive_mode" && s.Value == "on") {
		return s.Origin.errorf(false,
			"%s %q (%s) is owned by CloudNativePG (a %s parameter: %s), which already sets it to this value; "+
				"setting it changes nothing and only hides which parameters are yours: remove it",
			s.Name, s.Value, from, kind, what)
	}
	return s.Origin.errorf(false,
		"%s %q (%s) is owned by CloudNativePG (a %s parameter: %s), whose webhook rejects the Cluster with "+
			"\"Can't set fixed configuration parameter\"; %s",
		s.Name, s.Value, from, kind, what, hint)
}

// checkWalLevel: CloudNativePG accepts logical (its default), replica and
// minimal; minimal needs three things coredb does not produce.
func checkWalLevel(s Setting) ErrorList {
	from := describeOrigin(s.Origin)
	switch s.Value {
	case "replica", "logical":
		return nil
	case "minimal":
		return ErrorList{s.Origin.errorf(false,
			"wal_level \"minimal\" (%s) is not supported by coredb: CloudNativePG accepts it only with instances: 1, "+
				"the annotation cnpg.io/skipWalArchiving: enabled (no WAL archiving, so no backups or point-in-time recovery) "+
				"and max_wal_senders \"0\", and only when the Cluster is created; coredb never emits that annotation: "+
				"use replica or logical (CloudNativePG's default)", from)}
	}
	return ErrorList{s.Origin.errorf(false,
		"wal_level %q (%s) is not a value CloudNativePG accepts: use replica or logical (CloudNativePG's default), in lower case",
		s.Value, from)}
}

// checkSize checks a size parameter against CloudNativePG's parser and warns
// about bare numbers, which it reads as MB.
func checkSize(s Setting, sizes map[string]int64) ErrorList {
	from := describeOrigin(s.Origin)
	b, err := parsePGSize(s.Value)
	if err != nil {
		hint := ""
		if g := suggestPGSize(s.Value); g != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", g)
		}
		return ErrorList{s.Origin.errorf(false,
			"%s %q (%s) is not a size CloudNativePG accepts: write an integer followed by kB, MB, GB or TB, "+
				"with an upper-case B, e.g. \"512MB\" or \"2GB\"; \"1G\", \"512M\", \"1Gi\" and fractions are rejected%s",
			s.Name, s.Value, from, hint)}
	}
	sizes[s.Name] = b
	if !pgSizeIsBare(s.Value) {
		return nil
	}
	if s.Name == paramSharedBuffers {
		return ErrorList{s.Origin.errorf(true,
			"shared_buffers %q (%s) has no unit: CloudNativePG reads it as %sMB and warns that future releases "+
				"will require a unit, while PostgreSQL reads it as 8kB pages (%s); write %q or the size you mean with a unit",
			s.Value, from, s.Value, formatPGSize(b/sizeMiB*8*sizeKiB), s.Value+"MB")}
	}
	return ErrorList{s.Origin.errorf(true,
		"%s %q (%s) has no unit: it means MB, but CloudNativePG may require an explicit unit in future releases; write %q",
		s.Name, s.Value, from, s.Value+"MB")}
}

// checkMemory: CloudNativePG rejects a Cluster whose memory request is lower
// than shared_buffers, comparing shared_buffers read as a binary quantity
// (MB -> Mi). A zero request counts as unset, as in CNPG.
func checkMemory(byName map[string]Setting, sizes map[string]int64, rc RuleContext) ErrorList {
	sb, ok := sizes[paramSharedBuffers]
	if !ok || rc.MemoryRequest == nil || rc.MemoryRequest.IsZero() {
		return nil
	}
	if resource.NewQuantity(sb, resource.BinarySI).Cmp(*rc.MemoryRequest) <= 0 {
		return nil
	}
	s := byName[paramSharedBuffers]
	return ErrorList{s.Origin.errorf(false,
		"shared_buffers %q (%s) is larger than the memory request %s, and CloudNativePG rejects a Cluster whose "+
			"memory request is lower than shared_buffers: raise resources.requests.memory to at least %s, or lower shared_buffers",
		s.Value, describeOrigin(s.Origin), rc.MemoryRequest.String(), binaryQuantityString(sb))}
}

// checkWalSizes: min_wal_size must be smaller than max_wal_size (defaults
// 80MB and 1GB), and with walStorage each one set must be smaller than the
// WAL volume. Invalid or zero values are left to checkSize, as in CNPG.
func checkWalSizes(byName map[string]Setting, sizes map[string]int64, rc RuleContext) ErrorList {
	var errs ErrorList
	minS, hasMin := byName[paramMinWalSize]
	maxS, hasMax := byName[paramMaxWalSize]
	minB, minOK := sizes[paramMinWalSize]
	maxB, maxOK := sizes[paramMaxWalSize]
	if !hasMin {
		minS, minB, minOK = Setting{Name: paramMinWalSize, Value: defaultMinWalSize}, 80*sizeMiB, true
	}
	if !hasMax {
		maxS, maxB, maxOK = Setting{Name: paramMaxWalSize, Value: defaultMaxWalSize}, sizeGiB, true
	}
	if (hasMin || hasMax) && minOK && maxOK && minB > 0 && maxB > 0 && minB >= maxB {
		at := minS
		if !hasMin {
			at = maxS
		}
		errs = append(errs, at.Origin.errorf(false,
			"min_wal_size %q (%s) must be smaller than max_wal_size %q (%s), or CloudNativePG rejects the Cluster: "+
				"lower min_wal_size or raise max_wal_size",
			minS.Value, describeSizeOrigin(minS, hasMin), maxS.Value, describeSizeOrigin(maxS, hasMax)))
	}
	if rc.WalStorage == nil {
		return errs
	}
	for _, c := range []struct {
		s   Setting
		set bool
		b   int64
		ok  bool
	}{{minS, hasMin, minB, minOK}, {maxS, hasMax, maxB, maxOK}} {
		if !c.set || !c.ok || c.b == 0 || resource.NewQuantity(c.b, resource.BinarySI).Cmp(*rc.WalStorage) < 0 {
			continue
		}
		errs = append(errs, c.s.Origin.errorf(false,
			"%s %q (%s) must be smaller than the WAL volume (walStorage %s), or CloudNativePG rejects the Cluster: "+
				"lower it below %s or enlarge walStorage",
			c.s.Name, c.s.Value, describeOrigin(c.s.Origin), rc.WalStorage.String(), formatPGSize(clampedBytes(*rc.WalStorage, 1<<62))))
	}
	return errs
}

// describeSizeOrigin is describeOrigin, or "the default" for a WAL bound that
// nobody set.
func describeSizeOrigin(s Setting, set bool) string {
	if !set {
		return "the default"
	}
	return describeOrigin(s.Origin)
}

// checkFailoverSlots: a pg_failover_slots.* parameter makes CloudNativePG
// require hot_standby_feedback on and HA replication slots enabled. coredb
// always enables HA replication slots when instances > 1, and CloudNativePG's
// defaulting webhook enables them when the Cluster leaves them unset, so only
// hot_standby_feedback can be missing.
func checkFailoverSlots(settings []Setting, byName map[string]Setting) ErrorList {
	var errs ErrorList
	hsf, hasHSF := byName[paramHotStandbyFeedback]
	on := false
	if hasHSF {
		v, err := parsePGBool(hsf.Value)
		if err != nil {
			return nil // reported as an invalid boolean already
		}
		on = v
	}
	if on {
		return nil
	}
	why := "it is not set"
	if hasHSF {
		why = fmt.Sprintf("it is %q (%s)", hsf.Value, describeOrigin(hsf.Origin))
	}
	for _, s := range settings {
		if lib, ok := managedLibrary(s.Name); !ok || lib != "pg_failover_slots" {
			continue
		}
		if _, owned := ownedBy(s.Name, Version{}); owned {
			continue // reported as operator-owned already
		}
		errs = append(errs, s.Origin.errorf(false,
			"%s (%s) makes CloudNativePG require hot_standby_feedback to be on, but %s: set hot_standby_feedback to \"on\" "+
				"(the other requirement, HA replication slots, is met: coredb always enables them when instances > 1, "+
				"and CloudNativePG enables them by default otherwise)",
			s.Name, describeOrigin(s.Origin), why))
	}
	return errs
}

// Supported CloudNativePG versions: coredb's rules were checked against the
// 1.27.1, 1.28.2 and 1.30.1 sources (cloudnativepg.md), and the parameter
// tables are unchanged since 1.25. Older operators lack objects coredb emits
// (Database-free SQL Jobs work, but the webhook rules differ), newer ones are
// unknown.
var (
	MinCNPGVersion = Version{1, 25, 0}
	MaxCNPGVersion = Version{1, 30, 999}
)

// CheckCNPGVersion parses a --cnpg-version value and checks it is supported.
func CheckCNPGVersion(s string) (Version, error) {
	v, err := ParseVersion(s)
	if err != nil {
		return v, err
	}
	if v.Less(MinCNPGVersion) || MaxCNPGVersion.Less(v) {
		return v, fmt.Errorf("CloudNativePG %s is not supported: coredb targets 1.25 to 1.30", s)
	}
	return v, nil
}
