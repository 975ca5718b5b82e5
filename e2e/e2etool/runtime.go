package main

// The runtime stage of e2e/run.sh runs a rendered Cluster for real with
// `referee.sh instance` (CloudNativePG's own instance manager, this
// machine's PostgreSQL standing in for the image). This file decides what
// can run here and what to check, and compares what the running server
// reports with what the render declares. run.sh does the talking.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// runEnv is what this machine's PostgreSQL provides.
type runEnv struct {
	major  string // the PostgreSQL major installed here, e.g. "15"
	extDir string // its extension directory (control files)
	libDir string // its package library directory (NAME.so)
}

// extWant is the declared state of one extension in one database.
type extWant struct {
	db, name string
	present  bool
	schema   string // "" = not declared
	version  string // "" = not declared
}

// runPlan is what the runtime stage does and checks for one render.
type runPlan struct {
	skips       []string    // reasons it cannot run here; empty = runnable
	ns, name    string      // the Cluster
	params      [][2]string // rendered settings, shared_preload_libraries included
	sql         [][2]string // database, SQL text: the extension Job's steps, in order
	dbObjs      [][3]string // namespace, name, database: Database objects to wait for
	wants       []extWant   // declared pg_extension state
	key         string      // what decides the runtime result, names left out
	oneInstance bool        // the Cluster has more instances; run it with one
	keyParts    []string
}

var (
	reCreateExt = regexp.MustCompile(`(?m)^CREATE EXTENSION IF NOT EXISTS ("(?:[^"]|"")+")(?: SCHEMA ("(?:[^"]|"")+"))? CASCADE;$`)
	reDropExt   = regexp.MustCompile(`(?m)^DROP EXTENSION IF EXISTS ("(?:[^"]|"")+") (?:RESTRICT|CASCADE);$`)
	reTag       = regexp.MustCompile(`:([0-9]+)`)
)

func unquoteIdent(s string) string {
	return strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`), `""`, `"`)
}

// makeRunPlan reads the objects of one render (target cnpg).
func makeRunPlan(objs []obj, env runEnv) runPlan {
	var p runPlan
	skip := func(f string, a ...any) { p.skips = append(p.skips, fmt.Sprintf(f, a...)) }
	var clusters []obj
	for _, o := range objs {
		if kind(o) == "Cluster" && strings.HasPrefix(str(o, "apiVersion"), "postgresql.cnpg.io/") {
			clusters = append(clusters, o)
		}
	}
	if len(clusters) != 1 {
		skip("%d Clusters in one render (the referee runs one instance at a time)", len(clusters))
		return p
	}
	c := clusters[0]
	p.ns, p.name = namespace(c), name(c)
	if p.ns == "" {
		p.ns = "default"
	}
	img := str(c, "spec", "imageName")
	tag := img
	if i := strings.LastIndex(tag, "/"); i >= 0 {
		tag = tag[i:]
	}
	tag, _, _ = strings.Cut(tag, "@")
	if m := reTag.FindStringSubmatch(tag); m == nil || m[1] != env.major {
		skip("Postgres major of %s is not %s, the one Debian's packages provide here", img, env.major)
	}
	if get(c, "spec", "bootstrap", "initdb") == nil {
		skip("bootstrap is not initdb (recovery or pg_basebackup needs a source cluster)")
	}
	if ext, _ := get(c, "spec", "postgresql", "extensions").([]any); len(ext) > 0 {
		skip("image-volume extensions (Kubernetes image volumes; no kubelet mounts them here)")
	}
	if pl, _ := get(c, "spec", "plugins").([]any); len(pl) > 0 {
		skip("CNPG-I plugins (the Barman Cloud plugin does not run in the referee)")
	}
	if get(c, "spec", "backup", "barmanObjectStore") != nil {
		skip("in-tree Barman Cloud: WAL archiving to object storage, which is not reachable here")
	}
	if n, ok := get(c, "spec", "instances").(float64); ok && n > 1 {
		// Not a skip: the referee runs the first instance only, and the
		// Cluster is Ready when all are, so it runs with instances: 1 (the
		// others are pg_basebackup copies of it, with the same settings).
		p.oneInstance = true
	}

	params, _ := get(c, "spec", "postgresql", "parameters").(map[string]any)
	for _, k := range sortedKeys(params) {
		v := fmt.Sprint(params[k])
		p.params = append(p.params, [2]string{k, v})
	}
	var preload []string
	if spl, _ := get(c, "spec", "postgresql", "shared_preload_libraries").([]any); len(spl) > 0 {
		for _, l := range spl {
			lib := fmt.Sprint(l)
			preload = append(preload, lib)
			if !fileExists(filepath.Join(env.libDir, lib+".so")) {
				skip("preload library %s: not installed here (%s/%s.so; scripts/install-postgres.sh installs what Debian packages)", lib, env.libDir, lib)
			}
		}
		p.params = append(p.params, [2]string{"shared_preload_libraries", strings.Join(preload, ",")})
	}
	for _, kv := range p.params {
		p.keyParts = append(p.keyParts, "param "+kv[0]+"="+kv[1])
	}
	p.keyParts = append(p.keyParts, "image "+img)

	// The extension step: the SQL of coredb's extension Jobs (ConfigMaps of
	// component extension-sql), and CloudNativePG Database objects.
	declare := func(w extWant) {
		if w.present && !fileExists(filepath.Join(env.extDir, w.name+".control")) {
			skip("extension %s: not installed here (%s/%s.control)", w.name, env.extDir, w.name)
		}
		p.wants = append(p.wants, w)
		p.keyParts = append(p.keyParts, fmt.Sprintf("ext %s %s %t %s %s", w.db, w.name, w.present, w.schema, w.version))
	}
	for _, o := range objs {
		if kind(o) != "ConfigMap" || component(o) != "extension-sql" {
			continue
		}
		data, _ := get(o, "data").(map[string]any)
		list, _ := data["databases"].(string)
		for _, key := range strings.Fields(list) {
			db, _ := data[key+".dbname"].(string)
			sql, _ := data[key+".sql"].(string)
			db = strings.TrimSuffix(db, "\n")
			p.sql = append(p.sql, [2]string{db, sql})
			p.keyParts = append(p.keyParts, "sql "+db+" "+sql)
			for _, m := range reCreateExt.FindAllStringSubmatch(sql, -1) {
				w := extWant{db: db, name: unquoteIdent(m[1]), present: true}
				if m[2] != "" {
					w.schema = unquoteIdent(m[2])
				}
				declare(w)
			}
			for _, m := range reDropExt.FindAllStringSubmatch(sql, -1) {
				declare(extWant{db: db, name: unquoteIdent(m[1])})
			}
		}
	}
	for _, o := range objs {
		if kind(o) != "Database" || !strings.HasPrefix(str(o, "apiVersion"), "postgresql.cnpg.io/") {
			continue
		}
		db := str(o, "spec", "name")
		if str(o, "spec", "ensure") == "absent" {
			continue
		}
		ns := namespace(o)
		if ns == "" {
			ns = p.ns
		}
		p.dbObjs = append(p.dbObjs, [3]string{ns, name(o), db})
		p.keyParts = append(p.keyParts, "database "+db+" owner "+str(o, "spec", "owner"))
		exts, _ := get(o, "spec", "extensions").([]any)
		for _, e := range exts {
			em, _ := e.(map[string]any)
			w := extWant{db: db, name: str(em, "name"), present: str(em, "ensure") != "absent",
				schema: str(em, "schema"), version: str(em, "version")}
			declare(w)
		}
	}
	h := sha256.New()
	for _, k := range p.keyParts {
		// The names of the Cluster and its objects do not change what runs.
		io.WriteString(h, strings.ReplaceAll(k, p.name, "<name>")+"\n")
	}
	p.key = hex.EncodeToString(h.Sum(nil))[:16]
	return p
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// cmdRunPlan writes the plan for run.sh: SKIP lines, or CLUSTER, KEY,
// PARAM, SQL (database, file written under outDir), DATABASE and EXPECT
// lines, tab-separated.
func cmdRunPlan(w io.Writer, env runEnv, outDir, renderFile string) error {
	objs, err := readObjects(renderFile)
	if err != nil {
		return err
	}
	p := makeRunPlan(objs, env)
	if len(p.skips) > 0 {
		for _, s := range p.skips {
			fmt.Fprintf(w, "SKIP\t%s\n", s)
		}
		return nil
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	run := renderFile
	if p.oneInstance {
		src, err := os.ReadFile(renderFile)
		if err != nil {
			return err
		}
		run = filepath.Join(outDir, "one-instance.yaml")
		if err := os.WriteFile(run, oneInstance(src), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "RENDER\t%s\n", run)
	fmt.Fprintf(w, "CLUSTER\t%s\t%s\n", p.ns, p.name)
	fmt.Fprintf(w, "KEY\t%s\n", p.key)
	for _, kv := range p.params {
		fmt.Fprintf(w, "PARAM\t%s\t%s\n", kv[0], kv[1])
	}
	for i, s := range p.sql {
		f := filepath.Join(outDir, fmt.Sprintf("%03d.sql", i+1))
		if err := os.WriteFile(f, []byte(s[1]), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "SQL\t%s\t%s\n", s[0], f)
	}
	for _, d := range p.dbObjs {
		fmt.Fprintf(w, "DATABASE\t%s\t%s\t%s\n", d[0], d[1], d[2])
	}
	for _, x := range p.wants {
		state := "absent"
		if x.present {
			state = "present"
		}
		fmt.Fprintf(w, "EXPECT\t%s\t%s\t%s\t%s\t%s\n", x.db, x.name, state, x.schema, x.version)
	}
	return nil
}

// readPlan reads the lines of kind k of a plan file.
func readPlan(file, k string) ([][]string, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, l := range strings.Split(string(src), "\n") {
		f := strings.Split(l, "\t")
		if f[0] == k {
			out = append(out, f[1:])
		}
	}
	return out, nil
}

// cmdShowCheck compares the rendered settings (PARAM lines of the plan)
// with what the running server shows (SHOWN: "name<TAB>value" lines from
// current_setting). Postgres prints memory and time in its own units and
// booleans as on/off, so values are compared as Postgres reads them.
func cmdShowCheck(w io.Writer, planFile, shownFile string) error {
	params, err := readPlan(planFile, "PARAM")
	if err != nil {
		return err
	}
	shownRows, err := readPlan(shownFile, "SHOW")
	if err != nil {
		return err
	}
	shown := map[string][]string{}
	for _, r := range shownRows {
		if len(r) == 4 {
			shown[r[0]] = r[1:]
		}
	}
	bad := 0
	for _, p := range params {
		row, ok := shown[p[0]]
		got := ""
		if ok {
			got = row[0]
		}
		switch {
		case !ok || got == "<unknown>":
			fmt.Fprintf(w, "%s: the server does not know this setting (rendered %q)\n", p[0], p[1])
			bad++
		case sameInUnit(p[1], row[1], row[2]):
		case !sameSetting(p[0], p[1], got):
			fmt.Fprintf(w, "%s: rendered %q, the server shows %q\n", p[0], p[1], got)
			bad++
		}
	}
	if bad > 0 {
		return errFailed
	}
	fmt.Fprintf(w, "%d settings read back as rendered\n", len(params))
	return nil
}

var reQuantity = regexp.MustCompile(`^(-?[0-9]+(?:\.[0-9]+)?)\s*(B|kB|MB|GB|TB|us|ms|s|min|h|d)?$`)

var unitScale = map[string]float64{
	"B": 1, "kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40,
	"us": 1e-3, "ms": 1, "s": 1e3, "min": 60e3, "h": 3600e3, "d": 86400e3,
}

// sameSetting: equal strings; equal quantities (256MB = 262144kB, 60s =
// 1min; Postgres prints the largest unit that divides the value); equal
// booleans (on, true, yes, 1); equal lists ignoring spaces after commas.
func sameSetting(name, want, got string) bool {
	if want == got || enumAliases[name][strings.ToLower(want)] == got {
		return true
	}
	if b1, ok1 := pgBool(want); ok1 {
		if b2, ok2 := pgBool(got); ok2 {
			return b1 == b2
		}
	}
	if m1, m2 := reQuantity.FindStringSubmatch(want), reQuantity.FindStringSubmatch(got); m1 != nil && m2 != nil && m1[2] != "" && m2[2] != "" {
		a, _ := strconv.ParseFloat(m1[1], 64)
		b, _ := strconv.ParseFloat(m2[1], 64)
		if strings.HasSuffix(m1[2], "B") == strings.HasSuffix(m2[2], "B") { // both memory or both time
			return a*unitScale[m1[2]] == b*unitScale[m2[2]]
		}
	}
	norm := func(s string) string {
		parts := strings.Split(s, ",")
		for i := range parts {
			parts[i] = strings.Trim(strings.TrimSpace(parts[i]), `"`)
		}
		return strings.Join(parts, ",")
	}
	return strings.Contains(want, ",") && norm(want) == norm(got)
}

// sameInUnit compares a rendered value with pg_settings' raw setting in
// the setting's unit ("8kB", "kB", "MB", "B", "ms", "s", "min"): a plain
// number is in that unit already; a quantity is converted to it.
func sameInUnit(want, raw, unit string) bool {
	if unit == "" || raw == "" {
		return false
	}
	// "8kB" is 8 kB; "ms" is 1 ms
	num := strings.TrimRight(unit, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
	name := unit[len(num):]
	base := 1.0
	if num != "" {
		var err error
		if base, err = strconv.ParseFloat(num, 64); err != nil {
			return false
		}
	}
	if unitScale[name] == 0 {
		return false
	}
	unitSize := base * unitScale[name]
	r, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return false
	}
	w := reQuantity.FindStringSubmatch(want)
	if w == nil {
		return false
	}
	v, _ := strconv.ParseFloat(w[1], 64)
	if w[2] == "" {
		return v == r
	}
	if strings.HasSuffix(w[2], "B") != strings.HasSuffix(name, "B") {
		return false
	}
	return math.Round(v*unitScale[w[2]]/unitSize) == r
}

// enumAliases are documented spellings Postgres shows otherwise: "on" for
// wal_compression is pglz (PostgreSQL 15 docs, wal_compression).
var enumAliases = map[string]map[string]string{
	"wal_compression": {"on": "pglz", "true": "pglz", "yes": "pglz", "1": "pglz"},
}

func pgBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "on", "true", "yes", "1":
		return true, true
	case "off", "false", "no", "0":
		return false, true
	}
	return false, false
}

// extRow is one installed extension as the state query prints it.
type extRow struct {
	db, name, version, schema string
	requiredBy                []string // installed extensions that require it
	ownerUsage                bool     // the database owner has USAGE on its schema
	ownerNoExec               int      // its functions PUBLIC may EXECUTE but the owner cannot
}

// cmdExtCheck compares the declared extension state (EXPECT lines of the
// plan) with the server's (STATE: db, name, version, schema, required-by,
// owner has USAGE on the schema t/f, functions the owner cannot execute
// though the extension grants them to PUBLIC: pg_cron, for one, keeps
// cron.schedule_in_database to superusers on purpose).
// Every declared extension is there or gone as declared, in its declared
// schema and version; nothing else is installed but plpgsql and what a
// declared one requires (CASCADE); the owner can use each one.
//
// With prevFile (the state before this step of a day-two sequence), an
// undeclared extension that was already installed then may stay: removing
// an entry from the spec drops nothing (docs/extensions.md).
func cmdExtCheck(w io.Writer, planFile, stateFile, prevFile string) error {
	wantRows, err := readPlan(planFile, "EXPECT")
	if err != nil {
		return err
	}
	stateRows, err := readPlan(stateFile, "STATE")
	if err != nil {
		return err
	}
	have := map[[2]string]extRow{}
	for _, r := range stateRows {
		if len(r) != 7 {
			return fmt.Errorf("%s: STATE line with %d fields, want 7", stateFile, len(r))
		}
		n, _ := strconv.Atoi(r[6])
		row := extRow{db: r[0], name: r[1], version: r[2], schema: r[3], ownerUsage: r[5] == "t", ownerNoExec: n}
		if r[4] != "" {
			row.requiredBy = strings.Split(r[4], ",")
		}
		have[[2]string{r[0], r[1]}] = row
	}
	// Extensions CloudNativePG creates itself in every database while their
	// library is preloaded or one of their parameters is set ("managed
	// extensions", CNPG docs postgresql_conf.md; seen by this stage for
	// pg_stat_statements in database postgres).
	cnpgMade := map[string]bool{}
	if params, err := readPlan(planFile, "PARAM"); err == nil {
		for _, p := range params {
			for _, ext := range []string{"pg_stat_statements", "pgaudit"} {
				if strings.HasPrefix(p[0], ext+".") || (p[0] == "shared_preload_libraries" && slices.Contains(strings.Split(p[1], ","), ext)) {
					cnpgMade[ext] = true
				}
			}
		}
	}
	kept := map[[2]string]bool{}
	if prevFile != "" {
		prevRows, err := readPlan(prevFile, "STATE")
		if err != nil {
			return err
		}
		for _, r := range prevRows {
			if len(r) >= 2 {
				kept[[2]string{r[0], r[1]}] = true
			}
		}
	}
	// The last declaration of an extension in a database wins (the SQL runs
	// in order; a Database object's list has one entry per extension).
	want := map[[2]string]extWant{}
	var order [][2]string
	for _, r := range wantRows {
		x := extWant{db: r[0], name: r[1], present: r[2] == "present", schema: r[3], version: r[4]}
		k := [2]string{x.db, x.name}
		if _, ok := want[k]; !ok {
			order = append(order, k)
		}
		want[k] = x
	}
	var problems []string
	dbs := map[string]bool{}
	for _, k := range order {
		x := want[k]
		dbs[x.db] = true
		h, ok := have[k]
		switch {
		case x.present && !ok:
			problems = append(problems, fmt.Sprintf("database %q: extension %s is declared but not installed", x.db, x.name))
		case !x.present && ok:
			problems = append(problems, fmt.Sprintf("database %q: extension %s is declared absent but installed", x.db, x.name))
		case x.present:
			if x.schema != "" && h.schema != x.schema {
				problems = append(problems, fmt.Sprintf("database %q: extension %s is in schema %s, declared %s", x.db, x.name, h.schema, x.schema))
			}
			if x.version != "" && h.version != x.version {
				problems = append(problems, fmt.Sprintf("database %q: extension %s is version %s, declared %s", x.db, x.name, h.version, x.version))
			}
			if !h.ownerUsage {
				problems = append(problems, fmt.Sprintf("database %q: the owner has no USAGE on schema %s of extension %s", x.db, h.schema, x.name))
			}
			if h.ownerNoExec > 0 {
				problems = append(problems, fmt.Sprintf("database %q: the owner cannot execute %d function(s) of extension %s", x.db, h.ownerNoExec, x.name))
			}
		}
	}
	keys := make([][2]string, 0, len(have))
	for k := range have {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"\x00"+keys[i][1] < keys[j][0]+"\x00"+keys[j][1] })
	for _, k := range keys {
		h := have[k]
		if !dbs[h.db] || h.name == "plpgsql" {
			continue
		}
		if x, ok := want[k]; ok && x.present {
			continue
		} else if ok {
			continue // declared absent: reported above
		}
		needed := false
		for _, by := range h.requiredBy {
			if x, ok := want[[2]string{h.db, by}]; ok && x.present {
				needed = true
			}
		}
		if !needed && !kept[k] && !cnpgMade[h.name] {
			problems = append(problems, fmt.Sprintf("database %q: extension %s is installed but not declared (nor required by a declared one)", h.db, h.name))
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(w, p)
		}
		return errFailed
	}
	present := 0
	for _, x := range want {
		if x.present {
			present++
		}
	}
	fmt.Fprintf(w, "%d extension(s) present and %d absent as declared in %d database(s); the owners can use them\n", present, len(want)-present, len(dbs))
	return nil
}

// stateSQL is the query run.sh runs in each database for cmdExtCheck.
const stateSQL = `SELECT 'STATE', pg_catalog.current_database(), e.extname, e.extversion, n.nspname,
  coalesce((SELECT pg_catalog.string_agg(d.extname, ',' ORDER BY d.extname) FROM pg_catalog.pg_depend p
    JOIN pg_catalog.pg_extension d ON d.oid = p.objid
   WHERE p.classid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND p.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND p.refobjid = e.oid), ''),
  CASE WHEN pg_catalog.has_schema_privilege(db.datdba, n.oid, 'USAGE') THEN 't' ELSE 'f' END,
  (SELECT count(*) FROM pg_catalog.pg_depend p JOIN pg_catalog.pg_proc f ON f.oid = p.objid
    WHERE p.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
      AND p.refobjid = e.oid AND p.deptype = 'e' AND NOT pg_catalog.has_function_privilege(db.datdba, f.oid, 'EXECUTE')
      AND (f.proacl IS NULL OR EXISTS (SELECT FROM pg_catalog.aclexplode(f.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')))
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
JOIN pg_catalog.pg_database db ON db.datname = pg_catalog.current_database()
ORDER BY e.extname`

// cmdStateSQL prints stateSQL, so run.sh and the checker share one query.
func cmdStateSQL(w io.Writer) error {
	_, err := io.WriteString(w, stateSQL+";\n")
	return err
}

// showSQL prints the query that reads back every PARAM of the plan.
func cmdShowSQL(w io.Writer, planFile string) error {
	params, err := readPlan(planFile, "PARAM")
	if err != nil {
		return err
	}
	names := make([]string, 0, len(params))
	for _, p := range params {
		names = append(names, "'"+strings.ReplaceAll(p[0], "'", "''")+"'")
	}
	if len(names) == 0 {
		names = append(names, "'server_version'")
	}
	// SHOW's text, and pg_settings' raw value in the setting's base unit
	// (a unitless rendered number is in that unit: log_min_duration_statement
	// "1000" is 1000 ms, which SHOW prints as "1s").
	_, err = fmt.Fprintf(w, "SELECT 'SHOW', n, coalesce(pg_catalog.current_setting(n, true), '<unknown>'), coalesce(s.setting, ''), coalesce(s.unit, '') FROM pg_catalog.unnest(ARRAY[%s]) AS n LEFT JOIN pg_catalog.pg_settings s ON s.name = n;\n", strings.Join(names, ", "))
	return err
}

// cmdPGLog prints, once each and in order, the ERROR, FATAL and PANIC
// messages PostgreSQL logged through CloudNativePG's instance manager (JSON
// lines; Postgres' own records under "record", from its CSV log): why an
// instance did not start, in Postgres' words.
func cmdPGLog(w io.Writer, files []string) error {
	seen := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue // an instance that never started has no log
		}
		for _, line := range strings.Split(string(src), "\n") {
			var l struct {
				Logger string `json:"logger"`
				Msg    string `json:"msg"`
				Record struct {
					Severity string `json:"error_severity"`
					Message  string `json:"message"`
				} `json:"record"`
			}
			if json.Unmarshal([]byte(line), &l) != nil {
				continue
			}
			m := ""
			switch l.Record.Severity {
			case "ERROR", "FATAL", "PANIC":
				m = l.Record.Severity + ":  " + l.Record.Message
			}
			// Before Postgres' CSV log exists (initdb's first start), its
			// messages reach the instance manager as pg_ctl's output.
			if l.Logger == "pg_ctl" {
				if i := reSeverity.FindStringIndex(l.Msg); i != nil {
					m = l.Msg[i[0]:]
				}
			}
			if m != "" && !seen[m] {
				seen[m] = true
				fmt.Fprintln(w, m)
			}
		}
	}
	return nil
}

var reSeverity = regexp.MustCompile(`\b(ERROR|FATAL|PANIC):  `)

var reInstances = regexp.MustCompile(`(?m)^  instances: [0-9]+$`)

// oneInstance sets spec.instances of the CloudNativePG Cluster of a
// rendered stream (canonical YAML: spec's fields at two spaces) to 1.
func oneInstance(src []byte) []byte {
	docs := strings.Split(string(src), "\n---\n")
	for i, d := range docs {
		if strings.Contains("\n"+d+"\n", "\nkind: Cluster\n") && strings.Contains(d, "apiVersion: postgresql.cnpg.io/") {
			docs[i] = reInstances.ReplaceAllString(d, "  instances: 1")
		}
	}
	return []byte(strings.Join(docs, "\n---\n"))
}
