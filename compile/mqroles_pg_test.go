package compile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cnpgv1 "github.com/cloudnative-pg/api/pkg/api/v1"
	appsv1 "k8s.io/api/apps/v1"
)

// TestPGMessageQueueRoles: the MessageQueue stack's API runs as roles of
// its own, and on a real PostgreSQL 15 those roles can read what the API
// exposes (schema pgmq) and cannot write, create or drop anything (issue
// 12). The roles are the rendered Cluster's spec.managed.roles, created the
// way CloudNativePG's role reconciler does (CREATE ROLE with the
// attributes, then GRANT for inRoles); the session is the one PostgREST
// opens: log in as the authenticator from the rendered Deployment's PGUSER
// Secret, then SET ROLE to the role a JWT claims.
func TestPGMessageQueueRoles(t *testing.T) {
	pg := newPGServer(t)
	objs, _, err := compileSrc(t, `apiVersion: coredb.io/v1alpha1
kind: CoreDB
metadata:
  name: mq
spec:
  stack: {name: MessageQueue}
`, Options{DropUnavailable: true, SuperuserAccess: true})
	if err != nil {
		t.Fatal(err)
	}
	var (
		roles []cnpgv1.RoleConfiguration
		env   = map[string]string{}
	)
	for _, o := range objs {
		switch o := o.(type) {
		case *cnpgv1.Cluster:
			if o.Spec.Managed != nil {
				roles = o.Spec.Managed.Roles
			}
		case *appsv1.Deployment:
			if o.Name != "mq-mq-api" {
				continue
			}
			for _, e := range o.Spec.Template.Spec.Containers[0].Env {
				switch {
				case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
					env[e.Name] = "secret " + e.ValueFrom.SecretKeyRef.Name + " " + e.ValueFrom.SecretKeyRef.Key
				default:
					env[e.Name] = e.Value
				}
			}
		}
	}
	if len(roles) == 0 || len(env) == 0 {
		t.Fatalf("no managed roles (%d) or no mq-api Deployment env (%v)", len(roles), env)
	}
	if env["PGRST_DB_ANON_ROLE"] != "" || env["PGRST_DB_SCHEMAS"] != "pgmq" || env["PGDATABASE"] != "app" {
		t.Errorf("PostgREST env %v: want no anonymous role, schema pgmq only, database app", env)
	}
	// The authenticator is the login role whose Secret PGUSER reads.
	var login, reader string
	for _, r := range roles {
		if r.Login && r.PasswordSecret != nil && env["PGUSER"] == "secret "+r.PasswordSecret.Name+" username" {
			login = r.Name
		}
	}
	for _, r := range roles {
		if slices.Contains(r.InRoles, "pg_read_all_data") {
			reader = r.Name
		}
	}
	if login == "" || reader == "" {
		t.Fatalf("roles %+v: want a login role read from PGUSER's Secret and a reader", roles)
	}

	const db, owner = "coredb_t_mq", "coredb_t_mq_owner"
	drop := func() {
		pg.exec(t, "postgres", "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
		for _, r := range append(roleNames(roles), owner) {
			pg.exec(t, "postgres", "DROP ROLE IF EXISTS "+quoteIdent(r))
		}
	}
	drop()
	t.Cleanup(drop)
	pg.exec(t, "postgres", "CREATE ROLE "+owner+" LOGIN")
	pg.exec(t, "postgres", "CREATE DATABASE "+db+" OWNER "+owner)
	// CloudNativePG's reconciler: every role first, then the memberships.
	for _, r := range roles {
		pg.exec(t, "postgres", createRoleSQL(r))
	}
	for _, r := range roles {
		for _, in := range r.InRoles {
			pg.exec(t, "postgres", "GRANT "+quoteIdent(in)+" TO "+quoteIdent(r.Name))
		}
	}
	// What the stack exposes: pgmq's schema and a queue table, made by the
	// superuser as CREATE EXTENSION pgmq does, and the owner's own table.
	pg.exec(t, db, `CREATE SCHEMA pgmq;
CREATE TABLE pgmq.q_orders (msg_id bigint PRIMARY KEY, message jsonb);
INSERT INTO pgmq.q_orders VALUES (1, '{"order": 1}');
CREATE FUNCTION pgmq.metrics_all() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM pgmq.q_orders'`)
	pg.exec(t, db, "SET ROLE "+owner+"; CREATE TABLE public.accounts (id int); INSERT INTO accounts VALUES (1)")

	run := func(sql string) error {
		file := filepath.Join(t.TempDir(), "s.sql")
		// SET SESSION AUTHORIZATION: the server's own login check is not
		// what is tested; the privileges of the session are.
		if err := os.WriteFile(file, []byte("SET SESSION AUTHORIZATION "+quoteIdent(login)+";\n"+sql+";\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		stderr, err := pg.runFile(db, file)
		if err != nil && stderr == "" {
			t.Fatalf("%s: %v", sql, err)
		}
		return err
	}
	as := "SET ROLE " + quoteIdent(reader) + "; "
	for _, q := range []string{
		as + "SELECT * FROM pgmq.q_orders",
		as + "SELECT pgmq.metrics_all()",
	} {
		if err := run(q); err != nil {
			t.Errorf("as %s: %s: %v", reader, q, err)
		}
	}
	for _, q := range []string{
		"SELECT * FROM pgmq.q_orders", // NOINHERIT: nothing without SET ROLE
		as + "INSERT INTO pgmq.q_orders VALUES (2, '{}')",
		as + "UPDATE pgmq.q_orders SET message = '{}'",
		as + "DELETE FROM pgmq.q_orders",
		as + "DROP TABLE pgmq.q_orders",
		as + "TRUNCATE pgmq.q_orders",
		as + "CREATE TABLE pgmq.q_evil (id int)",
		as + "CREATE TABLE public.evil (id int)",
		as + "DELETE FROM public.accounts",
		as + "DROP TABLE public.accounts",
		"SET ROLE " + owner,
		"SET ROLE postgres",
	} {
		if err := run(q); err == nil {
			t.Errorf("as %s: %s succeeded; want permission denied", login, q)
		}
	}
}

func roleNames(roles []cnpgv1.RoleConfiguration) []string {
	var out []string
	for _, r := range roles {
		out = append(out, r.Name)
	}
	slices.Reverse(out) // members before the roles they are in
	return out
}

// createRoleSQL is CREATE ROLE with a RoleConfiguration's attributes, as
// CloudNativePG's role reconciler writes it (LOGIN/NOLOGIN, INHERIT/
// NOINHERIT, and the other flags at their defaults).
func createRoleSQL(r cnpgv1.RoleConfiguration) string {
	attrs := []string{"NOLOGIN", "INHERIT", "NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE", "NOREPLICATION", "NOBYPASSRLS"}
	if r.Login {
		attrs[0] = "LOGIN"
	}
	if r.Inherit != nil && !*r.Inherit {
		attrs[1] = "NOINHERIT"
	}
	if r.Superuser || r.CreateDB || r.CreateRole || r.Replication || r.BypassRLS {
		panic("createRoleSQL: the stacks' roles have no such attributes; extend the test")
	}
	return "CREATE ROLE " + quoteIdent(r.Name) + " " + strings.Join(attrs, " ")
}
