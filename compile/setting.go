package compile

// Origin says where a value came from, so an error about a merged setting can
// point at the line that set it, in the user's file or in a stack file.
type Origin struct {
	File string // file name as given by the user, or stacks/<name>.yaml
	Line int
	Col  int
	Path string // field path: spec.runtime_config[3].value, or "engine standard"
}

// Setting is one Postgres parameter with its provenance.
type Setting struct {
	Name   string
	Value  string
	Origin Origin
}

// at builds a FieldError located at the origin of a setting.
func (o Origin) errorf(warning bool, format string, args ...any) *FieldError {
	return &FieldError{File: o.File, Line: o.Line, Col: o.Col, Path: o.Path, Msg: sprintf(format, args...), Warning: warning}
}

// where is file:line of the origin, for messages that point at a second
// place.
func (o Origin) where() string {
	if o.Line == 0 {
		return o.Path
	}
	return sprintf("%s:%d", o.File, o.Line)
}
