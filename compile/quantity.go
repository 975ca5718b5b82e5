package compile

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Byte multiples. PostgreSQL's memory units are binary (1kB = 1024 bytes),
// and CloudNativePG converts them to binary Kubernetes quantities (MB -> Mi),
// so both sides agree on these factors.
const (
	sizeKiB int64 = 1 << 10
	sizeMiB int64 = 1 << 20
	sizeGiB int64 = 1 << 30
	sizeTiB int64 = 1 << 40
)

// pgSizeUnits are the units CloudNativePG's size parser accepts for
// shared_buffers, min_wal_size and max_wal_size that PostgreSQL also
// accepts, with their factor in bytes. Units are case-sensitive in both.
var pgSizeUnits = map[string]int64{"kB": sizeKiB, "MB": sizeMiB, "GB": sizeGiB, "TB": sizeTiB}

// errPGSize is returned by parsePGSize; callers write their own message.
var errPGSize = errors.New("not a PostgreSQL size: want an integer, optionally followed by kB, MB, GB or TB")

// parsePGSize reads a size the way CloudNativePG's webhook does
// (parsePostgresQuantityValue, cloudnativepg.md §2.7) and returns it in bytes:
//
//   - a bare integer is MB (CloudNativePG's reading; it warns about it);
//   - otherwise the value is an integer, optional spaces, and one of
//     kB, MB, GB, TB, with an upper-case B: "1G" and "512M" are rejected.
//
// It accepts only what both CloudNativePG and PostgreSQL accept: no sign, no
// fraction, no leading or trailing blanks, no lower-case or other units, and
// nothing whose byte count overflows int64.
func parsePGSize(v string) (bytes int64, err error) {
	digits := len(v) - len(strings.TrimLeft(v, "0123456789"))
	if digits == 0 {
		return 0, errPGSize
	}
	n, err := strconv.ParseInt(v[:digits], 10, 64)
	if err != nil {
		return 0, errPGSize
	}
	rest := v[digits:]
	factor := sizeMiB // bare integer: CNPG reads MB
	if rest != "" {
		unit := strings.TrimLeft(rest, " ")
		f, ok := pgSizeUnits[unit]
		if !ok {
			return 0, errPGSize
		}
		factor = f
	}
	if n > math.MaxInt64/factor {
		return 0, errPGSize
	}
	return n * factor, nil
}

// pgSizeIsBare reports whether v is a bare integer, which CloudNativePG reads
// as MB while PostgreSQL reads it in the parameter's own base unit (8kB pages
// for shared_buffers).
func pgSizeIsBare(v string) bool {
	return v != "" && strings.Trim(v, "0123456789") == ""
}

// parsePGBool reads a PostgreSQL boolean as CloudNativePG does
// (ParsePostgresConfigBoolean, cloudnativepg.md §2.7): on, off, true, false,
// yes, no, 1, 0 or an unambiguous prefix, case-insensitively.
func parsePGBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "on", "y", "ye", "yes", "t", "tr", "tru", "true":
		return true, nil
	case "0", "of", "off", "n", "no", "f", "fa", "fal", "fals", "false":
		return false, nil
	}
	return false, errors.New("not a PostgreSQL boolean: want on, off, true, false, yes, no, 1 or 0")
}

// formatPGSize renders bytes with the largest PostgreSQL unit that divides it
// exactly (kB, MB, GB, TB), or as MB rounded up when nothing divides.
func formatPGSize(bytes int64) string {
	switch {
	case bytes <= 0:
		return "0MB"
	case bytes%sizeTiB == 0:
		return strconv.FormatInt(bytes/sizeTiB, 10) + "TB"
	case bytes%sizeGiB == 0:
		return strconv.FormatInt(bytes/sizeGiB, 10) + "GB"
	case bytes%sizeMiB == 0:
		return strconv.FormatInt(bytes/sizeMiB, 10) + "MB"
	case bytes%sizeKiB == 0:
		return strconv.FormatInt(bytes/sizeKiB, 10) + "kB"
	}
	return strconv.FormatInt(bytes/sizeMiB+1, 10) + "MB"
}

// suggestPGSize guesses the size a user meant by a value parsePGSize rejects,
// for "did you mean" hints: "1G", "1Gi", "1gb", "1 GiB" -> "1GB"; "1.5GB" ->
// "1536MB". It returns "" when it has no good guess.
func suggestPGSize(v string) string {
	s := strings.TrimSpace(v)
	i := len(s) - len(strings.TrimLeft(s, "0123456789."))
	if i == 0 {
		return ""
	}
	num, unit := s[:i], strings.TrimSpace(s[i:])
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) {
		return ""
	}
	var factor int64
	switch strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(unit), "b"), "i") {
	case "":
		factor = sizeMiB
		if unit != "" { // a lone "B" means bytes
			factor = 1
		}
	case "k":
		factor = sizeKiB
	case "m":
		factor = sizeMiB
	case "g":
		factor = sizeGiB
	case "t":
		factor = sizeTiB
	default:
		return ""
	}
	b := f * float64(factor)
	if b >= math.MaxInt64/2 {
		return ""
	}
	return formatPGSize(int64(math.Ceil(b)))
}

// clampedBytes returns q in bytes, clamped to [0, limit], without the int64
// overflow that Quantity.Value has on huge values.
func clampedBytes(q resource.Quantity, limit int64) int64 {
	if q.Sign() <= 0 {
		return 0
	}
	if q.Cmp(*resource.NewQuantity(limit, resource.BinarySI)) >= 0 {
		return limit
	}
	return q.Value()
}

// Bounds on a quantity as written. resource.ParseQuantity accepts any
// exponent, and apimachinery's own arithmetic is slow on extreme ones:
// comparing 1e7010100 with anything takes about 2 s, parsing 1e-7010100
// as long, and 1e-999999999 exhausts memory. No volume, memory or CPU count
// needs more than 64 characters or a decimal exponent beyond ±30 (1e30
// bytes is a million yottabytes), so the loader refuses them before
// parsing (quantityTextInRange) and nothing later meets one.
const (
	maxQuantityText     = 64
	maxQuantityExponent = 30
)

// quantityTextInRange reports whether a quantity as written is within the
// bounds above. Only the e/E exponent form is judged here; a suffix (E and
// Ei are exa) and anything malformed are left to the parser.
func quantityTextInRange(s string) bool {
	if len(s) > maxQuantityText {
		return false
	}
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return true
	}
	digits := strings.TrimLeft(s[i+1:], "+-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return true
	}
	digits = strings.TrimLeft(digits, "0")
	if len(digits) > 2 {
		return false
	}
	n, _ := strconv.Atoi(digits) // "" (all zeros) is 0
	return n <= maxQuantityExponent
}

// binaryQuantityString renders bytes as a Kubernetes quantity such as "2Gi" or
// "1536Mi", for messages that tell users what to write in resources.
func binaryQuantityString(bytes int64) string {
	return resource.NewQuantity(bytes, resource.BinarySI).String()
}
