// Package compile turns a CoreDB spec into CloudNativePG manifests.
//
// The pipeline is pure: Load decodes one file strictly and keeps positions;
// Compile expands the stack, merges Postgres settings, validates against
// CloudNativePG's rules and builds objects; Encode orders the objects and
// writes one canonical YAML stream. Nothing here reads the clock, the
// environment, files or randomness: the same input gives the same bytes.
package compile

import "fmt"

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
