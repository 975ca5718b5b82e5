package compile

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

func TestQuantityParsePGSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64 // bytes; -1 for an error
	}{
		// A bare integer is MB for CloudNativePG.
		{"0", 0},
		{"128", 128 * sizeMiB},
		{"0128", 128 * sizeMiB},
		// Units kB, MB, GB, TB with an upper-case B, optionally after spaces.
		{"8kB", 8 * sizeKiB},
		{"512MB", 512 * sizeMiB},
		{"1GB", sizeGiB},
		{"2TB", 2 * sizeTiB},
		{"512 MB", 512 * sizeMiB},
		{"512   MB", 512 * sizeMiB},
		{"8388607TB", 8388607 * sizeTiB},
		// Rejected: no B, binary suffixes, case, fractions, signs, blanks, other units.
		{"1G", -1},
		{"512M", -1},
		{"8k", -1},
		{"1Gi", -1},
		{"1GiB", -1},
		{"1gb", -1},
		{"1Gb", -1},
		{"1KB", -1},
		{"1kb", -1},
		{"1mB", -1},
		{"1B", -1},
		{"1PB", -1},
		{"1.5GB", -1},
		{"1.5", -1},
		{"-1", -1},
		{"-1MB", -1},
		{"+1", -1},
		{" 1GB", -1},
		{"1GB ", -1},
		{"1 ", -1},
		{"1\tMB", -1},
		{"1 0MB", -1},
		{"", -1},
		{"MB", -1},
		{"GB1", -1},
		{"1e3MB", -1},
		// Overflow of int64 bytes.
		{"8388608TB", -1},
		{"99999999999999999999", -1},
		{"9223372036854775807", -1},
	}
	for _, tt := range tests {
		got, err := parsePGSize(tt.in)
		switch {
		case tt.want < 0 && err == nil:
			t.Errorf("parsePGSize(%q) = %d, want an error", tt.in, got)
		case tt.want >= 0 && err != nil:
			t.Errorf("parsePGSize(%q): %v", tt.in, err)
		case tt.want >= 0 && got != tt.want:
			t.Errorf("parsePGSize(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestQuantityPGSizeIsBare(t *testing.T) {
	for in, want := range map[string]bool{"128": true, "0": true, "128MB": false, "": false, "1 MB": false, "-1": false} {
		if got := pgSizeIsBare(in); got != want {
			t.Errorf("pgSizeIsBare(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestQuantityParsePGBool(t *testing.T) {
	trues := []string{"1", "on", "y", "ye", "yes", "t", "tr", "tru", "true", "ON", "On", "TRUE", "Yes", "T"}
	falses := []string{"0", "of", "off", "n", "no", "f", "fa", "fal", "fals", "false", "OFF", "Off", "FALSE", "No", "F"}
	bad := []string{"", "o", "2", "-1", "enable", "enabled", "truee", "yess", " on", "on ", "oN\n", "10", "none"}
	for _, v := range trues {
		if got, err := parsePGBool(v); err != nil || !got {
			t.Errorf("parsePGBool(%q) = %v, %v; want true", v, got, err)
		}
	}
	for _, v := range falses {
		if got, err := parsePGBool(v); err != nil || got {
			t.Errorf("parsePGBool(%q) = %v, %v; want false", v, got, err)
		}
	}
	for _, v := range bad {
		if _, err := parsePGBool(v); err == nil {
			t.Errorf("parsePGBool(%q): no error", v)
		} else if !strings.Contains(err.Error(), "not a PostgreSQL boolean") {
			t.Errorf("parsePGBool(%q): error %q", v, err)
		}
	}
}

func TestQuantityFormatPGSize(t *testing.T) {
	tests := map[int64]string{
		0: "0MB", -5: "0MB", 1: "1MB", sizeKiB: "1kB", 8 * sizeKiB: "8kB", sizeMiB: "1MB", 1536 * sizeMiB: "1536MB",
		sizeGiB: "1GB", 3 * sizeTiB: "3TB", sizeMiB + 1: "2MB",
	}
	for in, want := range tests {
		if got := formatPGSize(in); got != want {
			t.Errorf("formatPGSize(%d) = %q, want %q", in, got, want)
		}
		if in > 0 && in%sizeKiB == 0 {
			if b, err := parsePGSize(want); err != nil || b != in {
				t.Errorf("parsePGSize(formatPGSize(%d)) = %d, %v", in, b, err)
			}
		}
	}
}

func TestQuantitySuggestPGSize(t *testing.T) {
	tests := map[string]string{
		"1G": "1GB", "512M": "512MB", "1Gi": "1GB", "1GiB": "1GB", "1gb": "1GB", " 2 gb ": "2GB", "8k": "8kB",
		"1.5GB": "1536MB", "1.5Gi": "1536MB", "2T": "2TB", "1024B": "1kB",
		"abc": "", "1PB": "", "1x": "", "-1G": "", "": "", "1e400G": "", "99999999999999999999T": "",
	}
	for in, want := range tests {
		if got := suggestPGSize(in); got != want {
			t.Errorf("suggestPGSize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQuantityClampedBytes(t *testing.T) {
	tests := []struct {
		q     string
		limit int64
		want  int64
	}{
		{"1Gi", 1 << 62, sizeGiB},
		{"2G", 1 << 62, 2_000_000_000},
		{"-1Gi", 1 << 62, 0},
		{"0", 1 << 62, 0},
		{"8Ei", 1 << 62, 1 << 62},
		{"1Gi", sizeMiB, sizeMiB},
		{"1.5", 100, 2}, // Quantity.Value rounds up
	}
	for _, tt := range tests {
		if got := clampedBytes(resource.MustParse(tt.q), tt.limit); got != tt.want {
			t.Errorf("clampedBytes(%s, %d) = %d, want %d", tt.q, tt.limit, got, tt.want)
		}
	}
	if got := binaryQuantityString(2 * sizeGiB); got != "2Gi" {
		t.Errorf("binaryQuantityString = %q", got)
	}
}

// FuzzQuantityPGSize: the size helpers never panic, and what parsePGSize
// accepts round-trips through formatPGSize.
func FuzzQuantityPGSize(f *testing.F) {
	for _, s := range []string{"128", "1GB", "8 kB", "1G", "", "-1", "1.5Gi", "99999999999999999999TB", " 2 gb "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = suggestPGSize(s)
		_, _ = parsePGBool(s)
		b, err := parsePGSize(s)
		if err != nil {
			return
		}
		if b < 0 {
			t.Fatalf("parsePGSize(%q) = %d", s, b)
		}
		if b%sizeKiB == 0 && b > 0 {
			if b2, err := parsePGSize(formatPGSize(b)); err != nil || b2 != b {
				t.Fatalf("round trip of %q: %q -> %d, %v", s, formatPGSize(b), b2, err)
			}
		}
	})
}

func TestQuantityTextInRange(t *testing.T) {
	for s, want := range map[string]bool{
		"10Gi": true, "1.5Gi": true, "500m": true, "1E": true, "8Ei": true, "1e3": true, "1E30": true, "1e-30": true,
		"1e+030": true, "1e00000000000000000000005": true, "1e31": false, "1e-31": false, "1e7010100": false,
		"1e-999999999": false, "1e99999999999999999999999": false, strings.Repeat("9", 65): false, strings.Repeat("9", 64): true,
		"lots": true, // the parser says why
	} {
		if got := quantityTextInRange(s); got != want {
			t.Errorf("quantityTextInRange(%q) = %v, want %v", s, got, want)
		}
	}
}
