package compile

import (
	"regexp"
	"strings"
	"testing"

	"github.com/coredb-dev/coredb/extensions"
)

func TestNameValidators(t *testing.T) {
	long63 := strings.Repeat("a", 63)
	long64 := strings.Repeat("a", 64)
	// 21 three-byte runes = 63 bytes; 22 = 66 bytes.
	cjk63 := strings.Repeat("名", 21)
	cjk66 := strings.Repeat("名", 22)

	tests := []struct {
		name    string
		fn      func(string) error
		ok      []string
		bad     []string
		wantMsg string // a substring of the first bad value's message
	}{
		{
			name: "trunk",
			fn:   validTrunkName,
			ok:   []string{"pgvector", "pg_stat_statements", "uuid_ossp", "pg-base62", "address_standardizer_3", "0x", long63},
			bad: []string{"", "PgVector", "-rf", "_x", "pg vector", "pg;rm", "pg$x", "a/b", "a.b", "ä", "x\n", long64,
				"https://registry.pgtrunk.io"},
			wantMsg: `invalid Trunk project name ""`,
		},
		{
			name: "version",
			fn:   validVersion,
			ok:   []string{"1.11.0", "11.1-10", "0.8.0", "1.6", "latest", "0.1.0+pg15", "1.0.0-rc.1", "2.10.0_beta", strings.Repeat("9", 64)},
			bad: []string{"", "-1", ".1", "1 .0", "1;0", "$(id)", "`id`", "1.0'", `1.0"`, "1/0", "1\t0", "1\n", "v1.0 ",
				strings.Repeat("9", 65)},
			wantMsg: `invalid version ""`,
		},
		{
			name: "database",
			fn:   validDatabaseName,
			ok: []string{"postgres", "app", "template1", `Weird-"Db"`, "My DB", "dollar$$db", `back\slash`, "ünïcödé", "'quoted'",
				"pg_db", long63, cjk63, "-leading-dash", "a--b"},
			bad:     []string{"", "template0", "a\x00b", "line\nbreak", "tab\tdb", "cr\rdb", "del\x7f", "c1\u0085", long64, cjk66, "\xff\xfe"},
			wantMsg: "database name must not be empty",
		},
		{
			name:    "schema",
			fn:      validSchemaName,
			ok:      []string{"public", "My-Schema", `My "Odd" Schema`, "Sch$$x\\y", "pg_catalog", "extensions", long63, cjk63},
			bad:     []string{"", "a\x00", "new\nline", long64, cjk66, "\xc3"},
			wantMsg: "schema name must not be empty",
		},
		{
			name: "extension",
			fn:   validExtensionName,
			ok: []string{"vector", "uuid-ossp", "pg_stat_statements", "postgis-3", "address_standardizer_data_us", `we"ird`, "Caps",
				"x$coredb$y", long63},
			bad:     []string{"", "--", "a--b", "-lead", "trail-", "../etc/passwd", "a/b", `a\b`, "a\x00", "nl\n", long64},
			wantMsg: "extension name must not be empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range tt.ok {
				if err := tt.fn(s); err != nil {
					t.Errorf("%q: unexpected error: %v", s, err)
				}
			}
			for i, s := range tt.bad {
				err := tt.fn(s)
				if err == nil {
					t.Errorf("%q: accepted, want an error", s)
					continue
				}
				if i == 0 && !strings.Contains(err.Error(), tt.wantMsg) {
					t.Errorf("%q: message %q does not contain %q", s, err, tt.wantMsg)
				}
				// Messages quote the value with %q, so control characters
				// never reach a terminal or a log raw.
				if strings.ContainsAny(err.Error(), "\x00\n\r\t\x7f") {
					t.Errorf("%q: message contains a raw control character: %q", s, err)
				}
			}
		})
	}
}

func TestNameValidators_messages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{validTrunkName("PgVector"), `invalid Trunk project name "PgVector": use 1-63 lower-case letters, digits, "_" or "-", starting with a letter or digit`},
		{validVersion("1.0; rm -rf /"), `invalid version "1.0; rm -rf /": use 1-64 letters, digits, ".", "+", "_" or "-", starting with a letter or digit`},
		{validDatabaseName("template0"), `database "template0" does not accept connections; extensions cannot be enabled in it`},
		{validDatabaseName(strings.Repeat("d", 64)), `invalid database name "` + strings.Repeat("d", 64) + `": 64 bytes, PostgreSQL allows at most 63`},
		{validSchemaName("a\nb"), `invalid schema name "a\nb": control character U+000A is not allowed`},
		{validExtensionName("a--b"), `invalid extension name "a--b": must not contain "--"`},
		{validExtensionName("x-"), `invalid extension name "x-": must not begin or end with "-"`},
		{validExtensionName("a/b"), `invalid extension name "a/b": must not contain "/" or "\"`},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("got nil, want %q", tt.want)
			continue
		}
		if tt.err.Error() != tt.want {
			t.Errorf("got  %q\nwant %q", tt.err, tt.want)
		}
	}
}

// TestNameValidators_catalog: every name in the extension catalog passes
// the validator for its kind, so catalog data never trips them.
func TestNameValidators_catalog(t *testing.T) {
	for _, e := range extensions.All() {
		for _, n := range e.Trunk {
			if err := validTrunkName(n); err != nil {
				t.Errorf("%s: %v", e.Name, err)
			}
		}
		for _, n := range append(append([]string{}, e.SQL...), e.Requires...) {
			if err := validExtensionName(n); err != nil {
				t.Errorf("%s: %v", e.Name, err)
			}
		}
		if e.Schema != "" {
			if err := validSchemaName(e.Schema); err != nil {
				t.Errorf("%s: %v", e.Name, err)
			}
		}
	}
}

// FuzzNameRules holds the name rules written with internal/charset to the
// regular expressions they replaced (and that their comments give).
func FuzzNameRules(f *testing.F) {
	for _, s := range []string{"", "work_mem", "pg_stat_statements.track", "a.b.c", ".x", "x.", "_$", "$x", "pg-base62",
		"-x", "1.11.0", "0.1.0+pg15", "latest", "é", "a\n", strings.Repeat("a", 64), strings.Repeat("1", 65)} {
		f.Add(s)
	}
	rules := []struct {
		name string
		rule func(string) bool
		re   *regexp.Regexp
	}{
		{"gucName", gucName, regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$`)},
		{"validTrunkName", func(s string) bool { return validTrunkName(s) == nil }, regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)},
		{"validVersion", func(s string) bool { return validVersion(s) == nil }, regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$`)},
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range rules {
			if got, want := r.rule(s), r.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, its expression %s says %v", r.name, s, got, r.re, want)
			}
		}
	})
}
