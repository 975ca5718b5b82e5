// Package deepcopy copies a value so that the copy shares nothing mutable
// with the original: pointers, slices, maps and interfaces are followed and
// copied. It is what lets coredb decode each embedded stack file once per
// process and still give every CoreDB its own stack to merge, in place,
// into its spec.
package deepcopy

import "reflect"

// Of returns a deep copy of v. Exported fields are copied deeply; a struct
// with unexported fields keeps their values as they are (shared), unless the
// struct has a DeepCopy method, as Kubernetes API types such as
// resource.Quantity do, which is then used. Channels and functions are
// shared.
func Of[T any](v T) T {
	src := reflect.ValueOf(&v).Elem()
	dst := reflect.New(src.Type()).Elem()
	copyValue(dst, src)
	return dst.Interface().(T)
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		n := reflect.New(src.Type().Elem())
		copyValue(n.Elem(), src.Elem())
		dst.Set(n)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		e := src.Elem()
		n := reflect.New(e.Type()).Elem()
		copyValue(n, e)
		dst.Set(n)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		n := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			copyValue(n.Index(i), src.Index(i))
		}
		dst.Set(n)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		t := src.Type()
		n := reflect.MakeMapWithSize(t, src.Len())
		k, v := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
		for it := src.MapRange(); it.Next(); {
			k.SetZero()
			v.SetZero()
			copyValue(k, it.Key())
			copyValue(v, it.Value())
			n.SetMapIndex(k, v)
		}
		dst.Set(n)
	case reflect.Struct:
		if c, ok := viaDeepCopy(src); ok {
			dst.Set(c)
			return
		}
		dst.Set(src) // unexported fields as they are
		for i := range src.NumField() {
			if f := dst.Field(i); f.CanSet() {
				f.SetZero()
				copyValue(f, src.Field(i))
			}
		}
	default:
		dst.Set(src)
	}
}

// viaDeepCopy calls a generated DeepCopy method of a struct with unexported
// fields: func (T) DeepCopy() T or func (*T) DeepCopy() *T.
func viaDeepCopy(src reflect.Value) (reflect.Value, bool) {
	t := src.Type()
	if !hasUnexported(t) {
		return reflect.Value{}, false
	}
	if m, ok := t.MethodByName("DeepCopy"); ok && m.Type.NumIn() == 1 && m.Type.NumOut() == 1 && m.Type.Out(0) == t {
		return src.Method(m.Index).Call(nil)[0], true
	}
	pt := reflect.PointerTo(t)
	if m, ok := pt.MethodByName("DeepCopy"); ok && m.Type.NumIn() == 1 && m.Type.NumOut() == 1 && m.Type.Out(0) == pt {
		p := reflect.New(t)
		p.Elem().Set(src)
		return p.Method(m.Index).Call(nil)[0].Elem(), true
	}
	return reflect.Value{}, false
}

func hasUnexported(t reflect.Type) bool {
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			return true
		}
	}
	return false
}
