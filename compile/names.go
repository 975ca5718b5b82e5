package compile

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/coredb-dev/coredb/internal/charset"
)

// Validators for every name and version that reaches a shell command line or
// a SQL script. They run before anything is generated, and each returns a
// message meant for the user (nil when the value is fine).
//
// Two different rules apply:
//
//   - Trunk project names and versions end up as argv elements of
//     `trunk install NAME --version VERSION` and in registry URL paths, so
//     they are restricted to a small safe alphabet (no spaces, quotes, shell
//     metacharacters, slashes or leading dashes).
//
//   - Database, schema and extension names are PostgreSQL identifiers. The
//     generated SQL always double-quotes them (quoteIdent), so PostgreSQL's
//     own limits are the only limits: capitals, dashes, spaces, quotes,
//     dollars, backslashes and non-ASCII letters all round-trip. The rule
//     (identRule) is:
//       1. not empty;
//       2. at most 63 bytes (NAMEDATALEN-1); longer names would be silently
//          truncated by the server, so they are rejected instead;
//       3. valid UTF-8 (the server encoding is UTF8);
//       4. no control characters: NUL (never storable), C0 controls
//          including tab, newline and carriage return, DEL, and C1 controls.
//     Extension names additionally follow check_valid_extension_name in
//     PostgreSQL's extension.c: no "--", no leading or trailing "-", and no
//     "/" or "\" (they name files on the server).
//     Database names additionally exclude template0, which never accepts
//     connections.

// maxIdentBytes is NAMEDATALEN-1 of a stock PostgreSQL build.
const maxIdentBytes = 63

var (
	// Trunk documents no rule for project names; every name in its registry
	// and in tembo-io/trunk contrib/ (pg_stat_statements, uuid_ossp,
	// pg-base62, address_standardizer_3) is lower-case ASCII, digits, "_"
	// and "-", and does not start with "-" (which argv would read as a flag).
	// ^[a-z0-9][a-z0-9_-]{0,62}$
	trunkNameFirst, trunkNameRest = charset.Of("a-z0-9"), charset.Of("a-z0-9_-")
	// Versions: semver and PostgreSQL extension versions (1.11.0, 11.1-10,
	// 0.1.0+pg15, latest).
	// ^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$
	versionFirst, versionRest = charset.Of("0-9A-Za-z"), charset.Of("0-9A-Za-z.+_-")
)

// validTrunkName checks a Trunk project name.
func validTrunkName(s string) error {
	if !charset.Word(s, trunkNameFirst, trunkNameRest, trunkNameRest, 63) {
		return fmt.Errorf("invalid Trunk project name %q: use 1-63 lower-case letters, digits, \"_\" or \"-\", starting with a letter or digit", s)
	}
	return nil
}

// validVersion checks a Trunk or extension version.
func validVersion(s string) error {
	if !charset.Word(s, versionFirst, versionRest, versionRest, 64) {
		return fmt.Errorf("invalid version %q: use 1-64 letters, digits, \".\", \"+\", \"_\" or \"-\", starting with a letter or digit", s)
	}
	return nil
}

// validDatabaseName checks a database name (see identRule above).
func validDatabaseName(s string) error {
	if err := identRule("database", s); err != nil {
		return err
	}
	if s == "template0" {
		return errors.New(`database "template0" does not accept connections; extensions cannot be enabled in it`)
	}
	return nil
}

// validSchemaName checks a schema name (see identRule above). Names starting
// with "pg_" are accepted because pg_catalog is a legitimate target (pg_cron
// is often created there); the SQL never tries to create such a schema,
// since PostgreSQL reserves the prefix.
func validSchemaName(s string) error {
	return identRule("schema", s)
}

// validExtensionName checks a SQL extension name (see identRule above).
func validExtensionName(s string) error {
	if err := identRule("extension", s); err != nil {
		return err
	}
	switch {
	case strings.Contains(s, "--"):
		return fmt.Errorf("invalid extension name %q: must not contain \"--\"", s)
	case strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-"):
		return fmt.Errorf("invalid extension name %q: must not begin or end with \"-\"", s)
	case strings.ContainsAny(s, `/\`):
		return fmt.Errorf("invalid extension name %q: must not contain \"/\" or \"\\\"", s)
	}
	return nil
}

// identRule applies the PostgreSQL identifier rule documented above.
func identRule(kind, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s name must not be empty", kind)
	case !utf8.ValidString(s):
		return fmt.Errorf("invalid %s name %q: not valid UTF-8", kind, s)
	case len(s) > maxIdentBytes:
		return fmt.Errorf("invalid %s name %q: %d bytes, PostgreSQL allows at most %d", kind, s, len(s), maxIdentBytes)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("invalid %s name %q: control character %U is not allowed", kind, s, r)
		}
	}
	return nil
}
