// Package deepcopy copies a value so that the copy shares nothing mutable
// with the original: pointers, slices, maps and interfaces are followed and
// copied. It is what lets coredb decode each embedded stack file once per
// process and still give every CoreDB its own stack to merge, in place,
// into its spec.
package deepcopy

import (
	"reflect"
	"sync"
)

// Of returns a deep copy of v. Exported fields are copied deeply; a struct
// with unexported fields keeps their values as they are (shared). A type
// with a DeepCopy method, as every Kubernetes API type has (generated, and
// deep), is copied by it: resource.Quantity needs it for its unexported
// fields, and a pod spec is copied several times faster by it than by
// reflection. Channels and functions are shared.
func Of[T any](v T) T {
	src := reflect.ValueOf(&v).Elem()
	dst := reflect.New(src.Type()).Elem()
	copyValue(dst, src)
	return dst.Interface().(T)
}

// plan is how values of one type are copied, worked out once per type: a
// stack is copied for every CoreDB of a fleet, and asking reflect for a
// type's fields and methods on every value was most of the copy (issue 13).
type plan struct {
	flat     bool // holds no pointer, slice, map or interface: assignment copies it
	deepCopy int  // 0: none; 1: func (T) DeepCopy() T; 2: func (*T) DeepCopy() *T
	method   int  // the DeepCopy method's index in T's (1) or *T's (2) method set
}

var plans sync.Map // reflect.Type -> plan

func planOf(t reflect.Type) plan {
	if p, ok := plans.Load(t); ok {
		return p.(plan)
	}
	p := plan{flat: flat(t)}
	if !p.flat && t.Kind() == reflect.Struct {
		if i, ok := deepCopyMethod(t); ok {
			p.deepCopy, p.method = 1, i
		} else if i, ok := deepCopyMethod(reflect.PointerTo(t)); ok {
			p.deepCopy, p.method = 2, i
		}
	}
	plans.Store(t, p)
	return p
}

// deepCopyMethod finds func (t) DeepCopy() t.
func deepCopyMethod(t reflect.Type) (int, bool) {
	m, ok := t.MethodByName("DeepCopy")
	if !ok || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || m.Type.Out(0) != t {
		return 0, false
	}
	return m.Index, true
}

// flat reports whether t holds nothing a copy could share: no pointer,
// slice, map, interface, channel or function anywhere in it.
func flat(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return false
	case reflect.Array:
		return flat(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !flat(t.Field(i).Type) {
				return false
			}
		}
	}
	return true
}

func copyValue(dst, src reflect.Value) {
	p := planOf(src.Type())
	if p.flat {
		dst.Set(src)
		return
	}
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
		if planOf(src.Type().Elem()).flat {
			reflect.Copy(n, src)
		} else {
			for i := range src.Len() {
				copyValue(n.Index(i), src.Index(i))
			}
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
		switch p.deepCopy {
		case 1:
			dst.Set(src.Method(p.method).Call(nil)[0])
			return
		case 2:
			ptr := reflect.New(src.Type())
			ptr.Elem().Set(src)
			dst.Set(ptr.Method(p.method).Call(nil)[0].Elem())
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
