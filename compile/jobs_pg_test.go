package compile_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coredb-dev/coredb/compile"
	"github.com/coredb-dev/coredb/extensions"
	"github.com/google/go-cmp/cmp"
)

// The real-PostgreSQL proof of the extension SQL Job. It needs the server
// that e2e/pg/pgtest.sh starts (COREDB_PG_DSN); run it with
//
//	scripts/install-postgres.sh   # once, as root
//	e2e/pg/pgtest.sh go test -count=1 -run TestPGExtensionJob -v ./compile
//
// It renders examples/extensions-tour.yaml, takes the extension SQL Job and
// the ConfigMap it mounts from the rendered YAML, writes the ConfigMap where
// the Job mounts it (below a temporary root) and runs the Job's own command
// with the Job's own environment. Only what a pod would get from the
// cluster is replaced: PGHOST/PGPORT point at the local server, the
// <name>-superuser Secret becomes the local superuser, and the Cluster's CA
// (<name>-ca) is a CA made here, which signed the certificate the test
// installs in the local server, so the Job's verify-full TLS settings are
// used as they are.

// pgJobEnv is a local PostgreSQL server prepared for the Job.
type pgJobEnv struct {
	host, port, user string
	caPEM            []byte
}

func newPGJobEnv(t *testing.T) *pgJobEnv {
	t.Helper()
	dsn := os.Getenv("COREDB_PG_DSN")
	if dsn == "" {
		t.Skip("COREDB_PG_DSN is not set: run e2e/pg/pgtest.sh go test -count=1 -run TestPGExtensionJob -v ./compile")
	}
	for _, tool := range []string{"psql", "pg_isready"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("COREDB_PG_DSN is set but %s is not on PATH: %v", tool, err)
		}
	}
	e := &pgJobEnv{user: "postgres"}
	for _, kv := range strings.Fields(dsn) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "host":
			e.host = v
		case "port":
			e.port = v
		case "user":
			e.user = v
		}
	}
	if net.ParseIP(e.host) == nil {
		t.Fatalf("COREDB_PG_DSN host %q: want an IP address (the test's server certificate names it)", e.host)
	}
	e.enableTLS(t)
	return e
}

// psql runs SQL in a database as the superuser and returns its output.
func (e *pgJobEnv) psql(t *testing.T, db, sql string) (string, error) {
	t.Helper()
	c := exec.Command("psql", "-X", "-w", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-f", "-")
	c.Stdin = strings.NewReader(sql)
	c.Env = append(os.Environ(), "PGHOST="+e.host, "PGPORT="+e.port, "PGUSER="+e.user, "PGDATABASE="+db, "PGSSLMODE=disable")
	out, err := c.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (e *pgJobEnv) mustPsql(t *testing.T, db, sql string) string {
	t.Helper()
	out, err := e.psql(t, db, sql)
	if err != nil {
		t.Fatalf("psql in %q: %v\n%s\n%s", db, err, sql, out)
	}
	return out
}

// enableTLS makes a CA and a server certificate for the server's IP, and
// turns TLS on in the running server (ALTER SYSTEM, reload); it is turned
// off again when the test ends. Plain connections keep working throughout.
func (e *pgJobEnv) enableTLS(t *testing.T) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "coredb test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: e.host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP(e.host)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(srvKey)
	e.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})

	// The server runs as the owner of its data directory (postgres when the
	// harness runs as root); its key must be that user's, mode 0600.
	dataDir := e.mustPsql(t, "postgres", "SHOW data_directory")
	st, err := os.Stat(dataDir)
	if err != nil {
		t.Fatalf("stat data directory: %v", err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	dir, err := os.MkdirTemp("", "coredb-tls-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	crt, key := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(crt, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if int(sys.Uid) != os.Getuid() {
		if err := os.Chown(key, int(sys.Uid), int(sys.Gid)); err != nil {
			t.Fatalf("the server runs as uid %d: cannot give it its key: %v", sys.Uid, err)
		}
	}
	t.Cleanup(func() {
		e.psql(t, "postgres", "ALTER SYSTEM RESET ssl; ALTER SYSTEM RESET ssl_cert_file; ALTER SYSTEM RESET ssl_key_file; SELECT pg_reload_conf();")
	})
	e.mustPsql(t, "postgres", "ALTER SYSTEM SET ssl_cert_file = '"+crt+"';\nALTER SYSTEM SET ssl_key_file = '"+key+"';\nALTER SYSTEM SET ssl = on;\nSELECT pg_reload_conf();")
	// The postmaster reloads asynchronously: wait for a verified TLS login.
	caFile := filepath.Join(dir, "ca.crt")
	_ = os.WriteFile(caFile, e.caPEM, 0o644)
	var last string
	for range 50 {
		c := exec.Command("psql", "-X", "-w", "-At", "-c", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
		c.Env = append(os.Environ(), "PGHOST="+e.host, "PGPORT="+e.port, "PGUSER="+e.user, "PGDATABASE=postgres",
			"PGSSLMODE=verify-full", "PGSSLROOTCERT="+caFile)
		out, err := c.CombinedOutput()
		if err == nil && strings.TrimSpace(string(out)) == "t" {
			return
		}
		last = string(out)
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("TLS did not come up in the server: %s", last)
}

// jobRun is one run of the rendered SQL Job's command.
type jobRun struct {
	output string
	code   int
}

// runSQLJob runs the extension SQL Job of a rendered stream the way its pod
// would (see the top of this file). extraEnv overrides the Job's variables.
func (e *pgJobEnv) runSQLJob(t *testing.T, out []byte, extraEnv ...string) jobRun {
	t.Helper()
	s := jobsDecode(t, out)
	job, ok := s.jobs[jobsSQL]
	if !ok {
		t.Fatalf("no extension SQL Job in the output")
	}
	root := t.TempDir()
	cmd := jobsPodFiles(t, s, job, root)
	pod := job.Spec.Template.Spec
	mounts := map[string]string{} // volume -> mount path
	for _, m := range pod.Containers[0].VolumeMounts {
		mounts[m.Name] = m.MountPath
		if err := os.MkdirAll(filepath.Join(root, m.MountPath), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range pod.Volumes {
		if v.Secret == nil {
			continue
		}
		if !strings.HasSuffix(v.Secret.SecretName, "-ca") {
			t.Fatalf("the Job mounts Secret %s; the test only knows the Cluster CA", v.Secret.SecretName)
		}
		for _, it := range v.Secret.Items {
			if it.Key != "ca.crt" {
				t.Fatalf("the Job mounts key %s of the CA Secret; it needs only ca.crt", it.Key)
			}
			if err := os.WriteFile(filepath.Join(root, mounts[v.Name], it.Path), e.caPEM, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	secret := map[string]string{"username": e.user, "password": "unused: the test server trusts local logins"}
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, ev := range pod.Containers[0].Env {
		switch {
		case ev.ValueFrom != nil && ev.ValueFrom.SecretKeyRef != nil:
			if !strings.HasSuffix(ev.ValueFrom.SecretKeyRef.Name, "-superuser") {
				t.Fatalf("%s comes from Secret %s", ev.Name, ev.ValueFrom.SecretKeyRef.Name)
			}
			env = append(env, ev.Name+"="+secret[ev.ValueFrom.SecretKeyRef.Key])
		case ev.ValueFrom != nil:
			t.Fatalf("%s: unexpected source %+v", ev.Name, ev.ValueFrom)
		default:
			v := ev.Value
			for _, mp := range mounts {
				if v == mp || strings.HasPrefix(v, mp+"/") {
					v = filepath.Join(root, v)
					break
				}
			}
			env = append(env, ev.Name+"="+v)
		}
	}
	env = append(env, "PGHOST="+e.host, "PGPORT="+e.port)
	env = append(env, extraEnv...)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, cmd[0], cmd[1:]...)
	c.WaitDelay = 5 * time.Second // psql children may hold the output open
	c.Env = env
	var buf bytes.Buffer
	c.Stdout, c.Stderr = &buf, &buf
	err := c.Run()
	r := jobRun{output: buf.String()}
	t.Logf("the Job's output:\n%s", r.output)
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running the Job's command: %v\n%s", err, buf.String())
	}
	return r
}

// extState is pg_extension of one database: name -> schema, plus the oid
// and version of each, to see that a rerun changed nothing.
func (e *pgJobEnv) extState(t *testing.T, db string) (schemas map[string]string, detail string) {
	t.Helper()
	out := e.mustPsql(t, db, "SELECT e.extname, n.nspname, e.oid, e.extversion FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY 1")
	schemas = map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "|")
		if len(f) == 4 {
			schemas[f[0]] = f[1]
		}
	}
	return schemas, out
}

// wantState is what pg_extension must hold per database after the Job ran
// for a spec: every enabled extension in its schema (the location's, else
// public), the extensions CASCADE created for them in the same schema,
// plpgsql, and nothing that is disabled.
func wantState(t *testing.T, db *compile.CoreDB) map[string]map[string]string {
	t.Helper()
	want := map[string]map[string]string{}
	for _, ext := range db.Spec.Extensions {
		for _, l := range ext.Locations {
			name := l.Database
			if name == "" {
				name = "postgres"
			}
			if want[name] == nil {
				want[name] = map[string]string{"plpgsql": "pg_catalog"}
			}
			if l.Enabled == nil || !*l.Enabled {
				continue
			}
			schema := l.Schema
			if schema == "" {
				schema = "public"
			}
			want[name][ext.Name] = schema
			if entry, ok := extensions.Lookup(ext.Name); ok {
				for _, r := range entry.Requires {
					want[name][r] = schema
				}
			}
		}
	}
	return want
}

func loadTour(t *testing.T) *compile.CoreDB {
	t.Helper()
	db, _ := loadTourDocs(t)
	return db
}

// loadTourDocs is the tour's CoreDB and the ImageSet that declares its image.
func loadTourDocs(t *testing.T) (*compile.CoreDB, []*compile.ImageSet) {
	t.Helper()
	src, err := os.ReadFile("../examples/extensions-tour.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs, _, err := compile.LoadDocuments("extensions-tour.yaml", src)
	if err != nil || len(docs.CoreDBs) != 1 {
		t.Fatalf("load: %v", err)
	}
	return docs.CoreDBs[0], docs.ImageSets
}

// setEnabled flips one location of the spec.
func setEnabled(t *testing.T, db *compile.CoreDB, ext, database string, on bool) {
	t.Helper()
	for i := range db.Spec.Extensions {
		if db.Spec.Extensions[i].Name != ext {
			continue
		}
		for j := range db.Spec.Extensions[i].Locations {
			if db.Spec.Extensions[i].Locations[j].Database == database {
				db.Spec.Extensions[i].Locations[j].Enabled = &on
				return
			}
		}
	}
	t.Fatalf("no location %s/%s", ext, database)
}

// renderDB renders the tour's CoreDB db; claims are extensions the tour's
// declared image says it ships on top of what it really does (a wrong
// declaration, which only the Job can find out).
func renderDB(t *testing.T, db *compile.CoreDB, claims ...string) []byte {
	t.Helper()
	_, sets := loadTourDocs(t)
	sets[0].Spec.Images[0].Extensions = append(sets[0].Spec.Images[0].Extensions, claims...)
	out, _, err := jobsCompileDBs(t, []*compile.CoreDB{db}, compile.Options{Target: "cnpg", ImageSets: sets})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return out
}

func TestPGExtensionJob(t *testing.T) {
	e := newPGJobEnv(t)
	tour := loadTour(t)
	want := wantState(t, tour)
	var dbs []string
	for name := range want {
		dbs = append(dbs, name)
	}
	slices.Sort(dbs)
	if !slices.Contains(dbs, `Sales-EU "West"=1`) || !slices.Contains(dbs, "postgres") || !slices.Contains(dbs, "app") {
		t.Fatalf("the example no longer covers the databases this test is about: %v", dbs)
	}

	// A clean slate: the example's databases exist (CNPG would have
	// created app; the others are the user's), and the shared postgres
	// database has none of the example's extensions.
	reset := func() {
		for _, db := range dbs {
			if db == "postgres" {
				e.mustPsql(t, "postgres", "DROP EXTENSION IF EXISTS pg_cron, pgcrypto CASCADE")
				continue
			}
			e.mustPsql(t, "postgres", "DROP DATABASE IF EXISTS "+ident(db)+" WITH (FORCE)")
		}
		e.mustPsql(t, "postgres", "DROP DATABASE IF EXISTS coredb_jobs_missing WITH (FORCE)")
	}
	reset()
	t.Cleanup(reset)
	for _, db := range dbs {
		if db != "postgres" {
			e.mustPsql(t, "postgres", "CREATE DATABASE "+ident(db))
		}
	}
	// The databases of a disabled-only location need not hold anything.
	check := func(t *testing.T, want map[string]map[string]string) map[string]string {
		t.Helper()
		details := map[string]string{}
		for _, db := range dbs {
			got, detail := e.extState(t, db)
			if diff := cmp.Diff(want[db], got); diff != "" {
				t.Errorf("pg_extension of database %q differs from the spec (-want +got):\n%s", db, diff)
			}
			details[db] = detail
		}
		return details
	}

	// As rendered for CloudNativePG 1.25, where the SQL Job does every
	// database (1.26 and later hand app and the third to Database objects,
	// which the e2e suite runs on CloudNativePG's own instance manager).
	out := render(t, "../examples/extensions-tour.yaml", compile.Options{CNPGVersion: "1.25", SuperuserAccess: true})
	var first map[string]string
	t.Run("first run", func(t *testing.T) {
		r := e.runSQLJob(t, out)
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s", r.code, r.output)
		}
		if !strings.Contains(r.output, "summary: 3 databases, 3 ok, 0 failed") {
			t.Errorf("summary missing:\n%s", r.output)
		}
		first = check(t, want)
	})

	t.Run("second run changes nothing", func(t *testing.T) {
		r := e.runSQLJob(t, out)
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s", r.code, r.output)
		}
		for db, detail := range check(t, want) {
			if detail != first[db] {
				t.Errorf("database %q changed on the second run (oid or version):\nbefore\n%s\nafter\n%s", db, first[db], detail)
			}
		}
	})

	t.Run("enabled false drops it", func(t *testing.T) {
		setEnabled(t, tour, "hstore", "app", false)
		w := wantState(t, tour) // before Compile, which drops the spec it built
		r := e.runSQLJob(t, renderDB(t, tour))
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s", r.code, r.output)
		}
		if _, still := w["app"]["hstore"]; still {
			t.Fatal("test bug: hstore still wanted")
		}
		check(t, w)
	})

	t.Run("a dependent object stops the drop", func(t *testing.T) {
		// hstore in app, on or off, freshly loaded: Compile builds a CoreDB once
		tourWith := func(on bool) *compile.CoreDB {
			x := loadTour(t)
			setEnabled(t, x, "hstore", "app", on)
			return x
		}
		if r := e.runSQLJob(t, renderDB(t, tourWith(true))); r.code != 0 {
			t.Fatalf("re-enable: exit %d:\n%s", r.code, r.output)
		}
		e.mustPsql(t, "app", "CREATE TABLE public.kept (h public.hstore); INSERT INTO public.kept VALUES ('a=>1')")
		r := e.runSQLJob(t, renderDB(t, tourWith(false)))
		if r.code == 0 {
			t.Fatalf("the Job succeeded although dropping hstore would drop table kept:\n%s", r.output)
		}
		for _, w := range []string{
			`cannot drop extension hstore because other objects depend on it`,
			`extensions: error: database "app" SQL failed, nothing was changed in it`,
			`summary: 3 databases, 2 ok, 1 failed`,
			`failed databases: "app"`,
		} {
			if !strings.Contains(r.output, w) {
				t.Errorf("output lacks %q:\n%s", w, r.output)
			}
		}
		if got := e.mustPsql(t, "app", "SELECT h -> 'a' FROM public.kept"); got != "1" {
			t.Errorf("table kept lost its data: %q", got)
		}
		check(t, wantState(t, tourWith(true)))
	})

	t.Run("an extension that is not installed", func(t *testing.T) {
		db := loadTour(t)
		on := true
		db.Spec.Extensions = append(db.Spec.Extensions, compile.Extension{
			Name:      "coredb_no_such_ext",
			Locations: []compile.ExtensionLocation{{Database: `Sales-EU "West"=1`, Enabled: &on}},
		})
		// The declared image claims to ship it, wrongly. (With Trunk
		// installs the Job would wait 15 minutes for the extension to
		// appear; a few seconds show the same behaviour.)
		r := e.runSQLJob(t, renderDB(t, db, "coredb_no_such_ext"), "COREDB_EXTENSION_WAIT=3")
		if r.code == 0 {
			t.Fatalf("the Job succeeded without the extension:\n%s", r.output)
		}
		for _, w := range []string{
			`waiting for extensions to be installed: coredb_no_such_ext`,
			`extension "coredb_no_such_ext" is not installed on this server`,
			`failed databases: "Sales-EU "West"=1"`,
			`summary: 3 databases, 2 ok, 1 failed`,
		} {
			if !strings.Contains(r.output, w) {
				t.Errorf("output lacks %q:\n%s", w, r.output)
			}
		}
	})

	t.Run("a database that does not exist", func(t *testing.T) {
		db := loadTour(t)
		on := true
		db.Spec.Extensions = append(db.Spec.Extensions, compile.Extension{
			Name:      "btree_gin",
			Locations: []compile.ExtensionLocation{{Database: "coredb_jobs_missing", Enabled: &on}},
		})
		r := e.runSQLJob(t, renderDB(t, db))
		if r.code == 0 {
			t.Fatalf("the Job succeeded without the database:\n%s", r.output)
		}
		for _, w := range []string{
			`database "coredb_jobs_missing" does not exist`,
			`summary: 4 databases, 3 ok, 1 failed`,
			`failed databases: "coredb_jobs_missing"`,
		} {
			if !strings.Contains(r.output, w) {
				t.Errorf("output lacks %q:\n%s", w, r.output)
			}
		}
	})

	t.Run("server never ready", func(t *testing.T) {
		// A port nothing listens on: the bounded wait gives up and says so.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		start := time.Now()
		r := e.runSQLJob(t, out, "PGPORT="+strconv.Itoa(port), "COREDB_SERVER_WAIT=3")
		if r.code == 0 || !strings.Contains(r.output, "is not accepting connections after 3s") {
			t.Errorf("exit %d:\n%s", r.code, r.output)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("the bounded wait took %s", d)
		}
	})
}

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
